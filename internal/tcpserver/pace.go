package tcpserver

// This file adds what the Python servers did not have at all: limits on
// how slowly a client may send its request and read its answer. They
// waited for every client, however slowly it sent or read, and kept its
// thread (or its place in the loop) for as long as it took. Here the head
// must be in within -timeout of the connect; a body may not stand still for
// -timeout, nor an answer for -send-timeout; and once -rate-grace has
// passed, each must move at least -min-rate bytes a second, on average
// over a window of at least -rate-grace that ends when bytes move. While
// the listener is full, a client that is behind is shed at once (see
// pressure in limits.go). An answer is written so that nothing is lost when
// the client is still sending (Drain).

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

// Pace is what a server asks of a client's speed.
type Pace struct {
	// Timeout is the time a client has to send its request's head,
	// counted from its connect, and then the longest a body may stand
	// still.
	Timeout time.Duration
	// SendTimeout is the longest an answer may stand still (0: Timeout).
	// A reader's kernel takes an answer in steps, as it reopens its
	// window, and a client that reads a few KB a second can see none
	// taken for many seconds: this is nginx's send_timeout, 60 s by
	// default.
	SendTimeout time.Duration
	// MinRate is the least a body or an answer must move, in bytes a
	// second, once Grace has passed since it started, on average over a
	// window of at least Grace that ends when bytes move. 0: no minimum.
	MinRate int
	Grace   time.Duration
}

// AddPaceFlags adds -timeout, -send-timeout, -min-rate and -rate-grace to fs.
func AddPaceFlags(fs *flag.FlagSet) *Pace {
	p := &Pace{}
	fs.DurationVar(&p.Timeout, "timeout", 10*time.Second, "time a client has to send its request's head, counted from its connect; then the longest a body may stand still")
	AddRateFlags(fs, p, "a body or an answer")
	return p
}

// AddRateFlags adds -send-timeout, -min-rate and -rate-grace to fs,
// setting p's SendTimeout, MinRate and Grace; what says what the rate
// holds to (the lb: "an answer").
func AddRateFlags(fs *flag.FlagSet, p *Pace, what string) {
	fs.DurationVar(&p.SendTimeout, "send-timeout", time.Minute, "the longest an answer may stand still, its client taking none of it (nginx's send_timeout)")
	fs.IntVar(&p.MinRate, "min-rate", 256, "bytes per second "+what+" must move once -rate-grace has passed, on average over a window of at least -rate-grace that ends when bytes move (0: no minimum)")
	fs.DurationVar(&p.Grace, "rate-grace", 5*time.Second, "how long "+what+" may go slower than -min-rate at its start, and the shortest window the rate is measured over")
}

// ErrTooSlow is why a body or an answer that went slower than -min-rate was
// cut off. It is a deadline error, so Quiet counts it as one.
var ErrTooSlow = fmt.Errorf("slower than -min-rate: %w", os.ErrDeadlineExceeded)

// meter holds a transfer, a body coming in or an answer going out, to a
// Pace. Its time is checked when a deadline passes, not at every read.
type meter struct {
	pace    Pace
	still   time.Duration // the longest it may stand still: Timeout, or SendTimeout for an answer
	press   *pressure     // the listener's, to shed a client that is behind (see limits.go); nil: none
	kind    phase         // what it measures, for the count of the clients shed
	start   time.Time     // when the transfer started: its first window is free
	last    time.Time     // when bytes last moved (for a write: when that was seen)
	window  time.Time     // when the current window started
	moved   int64         // bytes moved in the current window
	total   int64         // bytes moved in all
	seen    int64         // total at the last check: it moves if total has grown since
	mark    time.Time     // a full listener's look at least ShedAfter/2 before its last (see behind)
	marked  int64         // total then
	mark2   time.Time     // its last look
	marked2 int64         // total then
}

func (p Pace) meter(now time.Time, press *pressure, kind phase) meter {
	still := p.Timeout
	if kind == phaseAnswer && p.SendTimeout > 0 {
		still = p.SendTimeout
	}
	return meter{pace: p, still: still, press: press, kind: kind, start: now, last: now, window: now, mark: now, mark2: now}
}

// add counts n bytes moved by now.
func (m *meter) add(n int64, now time.Time) {
	if n > 0 {
		m.moved += n
		m.total += n
		m.last = now
	}
}

// pause and resume leave out of the meter's times a wait that was not the
// client's doing: the lb's wait for its backend's next bytes. resume
// moves every time the meter keeps on by the time since pause.
func (m *meter) resume(paused, now time.Time) {
	d := now.Sub(paused)
	m.start, m.last, m.window, m.mark, m.mark2 = m.start.Add(d), m.last.Add(d), m.window.Add(d), m.mark.Add(d), m.mark2.Add(d)
}

// deadline is when the transfer must next be checked, from now: when it
// will have stood still for its limit, or when its window ends (or, once
// the window is over with nothing moved, a quarter of Grace away); and,
// when its listener can be full, a shed tick away, to see at once if it
// is.
func (m *meter) deadline(now time.Time) time.Time {
	d := m.last.Add(m.still)
	if m.pace.MinRate > 0 {
		end := m.window.Add(m.pace.Grace)
		if !end.After(now) {
			end = now.Add(m.pace.Grace / 4)
		}
		if end.Before(d) {
			d = end
		}
	}
	return m.press.tick(now, d)
}

// wake is the deadline of a write that starts at now: the meter's, or a
// sixteenth of Timeout away if that is sooner. A write that is blocked
// returns only at its deadline, and the bytes it moved meanwhile are
// counted then, as moved at that moment: so a write may take no longer
// than that, and a reader that stops is cut at most a sixteenth of Timeout
// late, Timeout after the kernel last took a byte for it. (With the meter's
// deadline alone, the bytes that the kernel took as the reader's window
// filled, after the reader stopped, were counted a whole Timeout late: a
// reader that stopped was cut 3 Timeout after.)
func (m *meter) wake(now time.Time) time.Time {
	d := m.deadline(now)
	if soon := now.Add(m.still / 16); soon.Before(d) {
		return soon
	}
	return d
}

// check is called once a deadline has passed (or at any time: it acts only
// on what is due). It returns the error to cut the transfer off with, or
// nil, and starts the next window when the current one is judged.
//
// A window is judged once it is Grace long and bytes are moving: so a
// reader whose kernel takes the answer in steps, each some seconds apart
// as it reopens its window, is judged on each step and the wait before it
// (its average), never on a wait alone; standing still is the other rule.
// The first window, Grace long, is free: it holds the start, when a client
// takes an answer as fast as its buffers fill.
func (m *meter) check(now time.Time) error {
	if now.Sub(m.last) >= m.still {
		return os.ErrDeadlineExceeded
	}
	moving := m.total > m.seen
	m.seen = m.total
	if elapsed := now.Sub(m.window); m.pace.MinRate > 0 && elapsed >= m.pace.Grace {
		switch first := !m.window.After(m.start); {
		case first: // free: it ends at Grace, whatever moved
			m.window, m.moved = now, 0
		case moving:
			if float64(m.moved) < float64(m.pace.MinRate)*elapsed.Seconds() {
				return ErrTooSlow
			}
			m.window, m.moved = now, 0
		}
	}
	// The looks go on while there is room, so that a full listener judges
	// over the last ShedAfter, not over the time since it last was full.
	if behind := m.press != nil && m.behind(now); behind && m.press.full() {
		m.press.count(m.kind)
		return ErrShed
	}
	return nil
}

// behind reports whether the transfer moved slower than MinRate since a
// full listener looked at it, at least ShedAfter ago: what a full listener
// sheds at once, rather than at the window's end, and in the first window
// too. (Over the current window, the bytes the kernel took at the start of
// an answer would hide for many seconds a client that then reads nothing.)
// It keeps two looks, ShedAfter/2 or more apart, and judges over the older:
// so a reader that stops is shed within ShedAfter and a look or two of the
// moment the kernel last took a byte for it.
func (m *meter) behind(now time.Time) bool {
	if m.pace.MinRate == 0 {
		return false
	}
	slow := false
	if elapsed := now.Sub(m.mark); elapsed >= ShedAfter {
		slow = float64(m.total-m.marked) < float64(m.pace.MinRate)*elapsed.Seconds()
	}
	if now.Sub(m.mark2) >= ShedAfter/2 {
		m.mark, m.marked = m.mark2, m.marked2
		m.mark2, m.marked2 = now, m.total
	}
	return slow
}

// try does one write of a transfer held to m: it sets the write's deadline,
// calls op, counts what op moved, and returns the error to stop with.
func (m *meter) try(c net.Conn, op func() (int64, error)) (int64, error) {
	if err := c.SetWriteDeadline(m.wake(time.Now())); err != nil {
		return 0, err
	}
	n, err := op()
	now := time.Now()
	m.add(n, now)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = m.check(now) // nil, unless the meter's own deadline has come
	}
	return n, err
}

// Reader reads a request from a connection: its head must be in within
// Timeout of the connect, and once Body has been called, its body is held
// to the Pace.
type Reader struct {
	c     net.Conn
	head  int       // bytes of the head read so far
	start time.Time // the connect: the head is due Timeout after it
	body  bool
	m     meter
}

// NewReader starts reading a request from c, which has just connected.
func (p Pace) NewReader(c net.Conn) Reader {
	now := time.Now()
	r := Reader{c: c, start: now, m: meter{pace: p, press: pressureOf(c)}}
	// NOTE: setting a deadline fails only on a closed connection, and the
	// Read after it says so.
	_ = c.SetReadDeadline(r.headDeadline(now))
	return r
}

// headDeadline is when the head's time is up, or, when the listener can be
// full, the next shed tick.
func (r *Reader) headDeadline(now time.Time) time.Time {
	return r.m.press.tick(now, r.start.Add(r.m.pace.Timeout))
}

// Body is called once the head is in and a body is being read: from then
// on, the head's deadline gives way to the body's pace. Calling it again
// does nothing.
func (r *Reader) Body() {
	if r.body {
		return
	}
	r.body = true
	now := time.Now()
	r.m = r.m.pace.meter(now, r.m.press, phaseBody)
	_ = r.c.SetReadDeadline(r.m.deadline(now)) // NOTE: as in NewReader.
}

// Read reads from the connection. A deadline that passes while the head is
// not late, or while the body keeps its pace, is moved on. A full listener
// sheds a client whose head has begun but is not in within HeadAfter of
// its connect (two parts a second apart are in time), or whose body is
// behind; and, once the queue stands still (see pressure), a client that
// has sent nothing for SilentAfter. While the queue moves, a client that
// has sent nothing yet is left alone: ab, with 10,000 connections, writes
// its requests up to a second after their connect.
func (r *Reader) Read(b []byte) (int, error) {
	for {
		n, err := r.c.Read(b)
		if !r.body {
			r.head += n
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				return n, err
			}
		}
		now := time.Now()
		if !r.body {
			switch {
			case !now.Before(r.start.Add(r.m.pace.Timeout)):
				return n, err
			case r.head == 0 && r.m.press.stuck() && now.Sub(r.start) >= SilentAfter:
				r.m.press.count(phaseSilent)
				return n, ErrShed
			case r.head > 0 && r.m.press.full() && now.Sub(r.start) >= HeadAfter:
				r.m.press.count(phaseHead)
				return n, ErrShed
			}
			if err := r.c.SetReadDeadline(r.headDeadline(now)); err != nil {
				return n, err
			}
		} else {
			r.m.add(int64(n), now)
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				return n, err
			}
			if err := r.m.check(now); err != nil {
				return n, err
			}
			if err := r.c.SetReadDeadline(r.m.deadline(now)); err != nil {
				return n, err
			}
		}
		if n > 0 {
			return n, nil
		}
	}
}

// Write sends bufs (a head and a body in memory, with one writev), then
// the first size bytes of file, when it is not nil (streamed: with sendfile
// where the system has it), held to the pace. So a slow reader that keeps
// reading gets a big file whole, and one that stops, or reads slower than
// MinRate, is cut off.
func Write(c net.Conn, bufs net.Buffers, file *os.File, size int64, pace Pace) error {
	m := pace.meter(time.Now(), pressureOf(c), phaseAnswer)
	return write(c, bufs, file, size, &m)
}

// write is Write, held to m.
func write(c net.Conn, bufs net.Buffers, file *os.File, size int64, m *meter) error {
	var sent int64 // of the file
	for len(bufs) > 0 || file != nil && sent < size {
		var err error
		if len(bufs) > 0 {
			_, err = m.try(c, func() (int64, error) { return bufs.WriteTo(c) }) // moves bufs past what was sent
		} else {
			var n int64
			n, err = m.try(c, func() (int64, error) { return copyFile(c, file, sent, size) })
			sent += n
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Sender writes an answer that comes in parts, as the lb passes on what
// its backend sends, held to a Pace: it may not stand still for
// SendTimeout, and once Grace has passed since the first part, it must move
// MinRate. The time between parts, waiting for the next, is not the
// client's doing and does not count.
type Sender struct {
	c      net.Conn
	m      meter
	moved  func() // called whenever bytes moved
	sent   int64
	paused time.Time // since when it has waited for the next part
}

// Sender starts an answer to c. moved, when not nil, is called each time
// some of it has moved.
func (p Pace) Sender(c net.Conn, moved func()) Sender {
	now := time.Now()
	return Sender{c: c, m: p.meter(now, pressureOf(c), phaseAnswer), moved: moved, paused: now}
}

// MinRate returns the pace's -min-rate.
func (s *Sender) MinRate() int { return s.m.pace.MinRate }

// Write writes all of b to the connection, or returns the error that
// stopped it: the connection's, or the pace's.
func (s *Sender) Write(b []byte) (int, error) {
	s.m.resume(s.paused, time.Now())
	defer func() { s.paused = time.Now() }()
	written := 0
	for written < len(b) {
		n, err := s.m.try(s.c, func() (int64, error) {
			n, err := s.c.Write(b[written:])
			return int64(n), err
		})
		written += int(n)
		s.sent += n
		if n > 0 && s.moved != nil {
			s.moved()
		}
		if err != nil {
			return written, err
		}
	}
	return written, nil
}

// Finish holds the connection, once the answer is written whole, until the
// kernel has sent what it holds of it, at the pace (see awaitSent); a
// client that does not keep it is cut off with a reset, and the error is
// returned.
func (s *Sender) Finish() error {
	s.m.resume(s.paused, time.Now())
	err := awaitSent(s.c, s.sent, &s.m)
	if err != nil {
		reset(s.c)
	}
	return err
}

// SeesUnsent reports whether this system tells how much of an answer the
// kernel holds still unsent (see awaitSent).
func SeesUnsent() bool { return seesUnsent }

// smallAnswer is the most awaitSent leaves to the kernel without a look:
// a client's receive window takes that much whole (64 KiB is a common
// first window), unless the client shrinks it on purpose, and then the
// kernel holds little for it.
const smallAnswer = 64 << 10

// awaitSent holds c, once an answer of size bytes has been written whole,
// until the kernel has sent it, at the pace of m; it returns the error to
// cut c off with. An answer is written when the kernel has taken it, and
// Linux takes up to 4 MiB for a client: closing then would leave it to the
// kernel to deliver, however slowly the client reads, for as long as that
// takes. Where the system does not tell (unsent), it returns at once.
func awaitSent(c net.Conn, size int64, m *meter) error {
	if size <= smallAnswer {
		return nil
	}
	left, ok := unsent(c)
	for poll := 20 * time.Millisecond; ok && left > 0; poll = min(2*poll, time.Second) {
		time.Sleep(min(poll, time.Until(m.wake(time.Now()))))
		now := time.Now()
		n, seen := unsent(c)
		if !seen {
			return nil
		}
		m.add(int64(left-n), now)
		left = n
		if err := m.check(now); err != nil {
			return err
		}
	}
	return nil
}

func bufsLen(bufs net.Buffers) (n int) {
	for _, b := range bufs {
		n += len(b)
	}
	return n
}

// copyFile sends bytes from..size of file to c. It starts at from even
// if the last copy read further: a copy that does not use sendfile reads a
// piece of the file before it writes it, and loses it if the write fails.
func copyFile(c net.Conn, file *os.File, from, size int64) (int64, error) {
	if _, err := file.Seek(from, io.SeekStart); err != nil {
		return 0, err
	}
	n, err := io.Copy(c, io.LimitReader(file, size-from))
	if err == nil && n < size-from {
		err = fmt.Errorf("%s: %w (it shrank while it was sent)", file.Name(), io.ErrUnexpectedEOF)
	}
	return n, err
}

// After an answer, what a client still sends is read and dropped (see
// Drain) for at most LingerTime, and at most LingerBytes.
const (
	LingerTime  = time.Second
	LingerBytes = 4 << 20
)

// WriteAndClose sends a whole response (see Write), waits until the
// kernel has sent it (see awaitSent), and closes the connection. With
// linger, for an answer sent while the client may still be sending, it
// drains the connection first (see Drain). A client cut off for its pace
// is closed with a reset (see reset).
func WriteAndClose(c net.Conn, bufs net.Buffers, file *os.File, size int64, linger bool, pace Pace) error {
	defer c.Close() // NOTE: nothing is left to do with a close error.
	m := pace.meter(time.Now(), pressureOf(c), phaseAnswer)
	total := int64(bufsLen(bufs)) + size // before write, which empties bufs
	err := write(c, bufs, file, size, &m)
	if err == nil {
		err = awaitSent(c, total, &m)
	}
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			reset(c)
		}
		return err
	}
	if linger {
		return Drain(c)
	}
	return nil
}

// Refuse answers a client that a full server sheds after it began its
// request: it writes bufs (a 503) if the kernel takes them at once, ends
// the sending half, reads for a moment what the client still sends, so
// that the close sends no reset that could eat the answer, and closes. A
// client whose answer cannot be written at once is reset.
func Refuse(c net.Conn, bufs net.Buffers) error {
	defer c.Close() // NOTE: nothing is left to do with a close error.
	if err := c.SetWriteDeadline(time.Now().Add(refuseWait)); err != nil {
		return err
	}
	if _, err := bufs.WriteTo(c); err != nil {
		reset(c)
		return err
	}
	return drainFor(c, refuseLinger)
}

// A shed client's 503 must go out within refuseWait (an empty socket
// takes it at once), and what the client sends after it is read for
// refuseLinger: its place is needed.
const (
	refuseWait   = 50 * time.Millisecond
	refuseLinger = 100 * time.Millisecond
)

// reset makes the close that follows send a reset rather than an end of
// file: the client was cut off, not answered. An lb in front of the server
// then ends the pair at once, instead of passing on first what the kernel
// still holds for the client.
func reset(c net.Conn) {
	if l, ok := c.(interface{ SetLinger(sec int) error }); ok {
		_ = l.SetLinger(0) // NOTE: then it closes with an end of file; the client is cut either way.
	}
}

// Drain ends the sending half of c (the client reads an end of file after
// the answer), then discards what the client still sends (see Discard).
func Drain(c net.Conn) error { return drainFor(c, LingerTime) }

func drainFor(c net.Conn, d time.Duration) error {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		if err := cw.CloseWrite(); err != nil {
			return err
		}
	}
	return discardFor(c, d)
}

// Discard reads and drops what the client still sends, until it closes,
// for at most LingerTime and LingerBytes. Closing a socket with bytes
// unread makes the kernel send a reset instead of an end of file, and a
// reset can destroy the answer before the client has read it (RFC 9112
// 9.6).
func Discard(c net.Conn) error { return discardFor(c, LingerTime) }

func discardFor(c net.Conn, d time.Duration) error {
	if err := c.SetReadDeadline(time.Now().Add(d)); err != nil {
		return err
	}
	_, err := io.CopyN(io.Discard, c, LingerBytes)
	if errors.Is(err, io.EOF) || errors.Is(err, os.ErrDeadlineExceeded) {
		err = nil
	}
	return err
}
