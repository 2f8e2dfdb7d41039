package tcpserver

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Logger is what Accept needs of a log.
type Logger interface {
	Printf(format string, args ...any)
}

// MaxLogBacklog is how many bytes of log lines may wait to be written.
const MaxLogBacklog = 64 << 10

// Log writes a program's log lines from a goroutine of its own, so that
// serving never waits for the log. Differs (log-backlog): the Python's
// logging.warning wrote to stderr at once, and so did the standard log
// package: when stderr is a pipe that nobody reads, or a terminal paused
// with Ctrl-S, the write blocks, and with it the program. Here Printf only adds the line to a
// backlog of at most MaxLogBacklog bytes; a line that does not fit is
// dropped and counted, and the count is logged when the writer catches up.
// The writer also writes many lines with one system call when they pile
// up. Differs (log-format): lines look like the log package's, date, time,
// message, where the Python's said "WARNING:root:".
type Log struct {
	w       io.Writer
	mu      sync.Mutex
	backlog []byte        // lines not yet handed to the writer
	dropped int           // lines dropped since the writer last took the backlog
	wake    chan struct{} // holds a token while lines wait
	stop    chan struct{} // closed by Close
	done    chan struct{} // closed when the writer has ended
}

// NewLog starts a Log writing to w. Close ends it.
func NewLog(w io.Writer) *Log {
	l := &Log{w: w, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go l.write()
	return l
}

// Printf mirrors logging.warning: it adds a line to the log, formatted as
// fmt.Printf does. It never waits for the line to be written.
func (l *Log) Printf(format string, args ...any) {
	l.add("2006/01/02 15:04:05 ", format, args...)
}

// Tracef adds a line of -trace to the log: the time to the millisecond,
// so that lines a moment apart show their order, and no date.
func (l *Log) Tracef(format string, args ...any) {
	l.add("15:04:05.000 ", format, args...)
}

// add adds a line to the backlog, after the time in layout.
func (l *Log) add(layout, format string, args ...any) {
	now := time.Now()
	l.mu.Lock()
	if len(l.backlog) >= MaxLogBacklog {
		l.dropped++
		l.mu.Unlock()
		return
	}
	l.backlog = now.AppendFormat(l.backlog, layout)
	l.backlog = fmt.Appendf(l.backlog, format, args...)
	l.backlog = append(l.backlog, '\n')
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default: // the writer has been woken already
	}
}

// write is the writer goroutine: it takes the whole backlog at once and
// writes it, until Close.
func (l *Log) write() {
	defer close(l.done)
	var out []byte // the buffer being written; it and the backlog swap roles
	for {
		select {
		case <-l.wake:
		case <-l.stop:
			l.flush(out)
			return
		}
		out = l.flush(out)
	}
}

// flush writes the backlog, and how many lines were dropped, using out as
// the next backlog. It returns the buffer just written, for reuse.
func (l *Log) flush(out []byte) []byte {
	l.mu.Lock()
	out, l.backlog = l.backlog, out[:0]
	dropped := l.dropped
	l.dropped = 0
	l.mu.Unlock()
	if dropped > 0 {
		out = time.Now().AppendFormat(out, "2006/01/02 15:04:05 ")
		out = fmt.Appendf(out, "%d log lines dropped: the log was not read as fast as it was written\n", dropped)
	}
	if len(out) > 0 {
		l.w.Write(out) // NOTE: a log that cannot be written has nowhere to report it.
	}
	return out
}

// Close writes what is left of the backlog and ends the writer. It waits
// at most a second: a writer stuck on a blocked stderr must not keep a
// stopping program from exiting.
func (l *Log) Close() {
	close(l.stop)
	select {
	case <-l.done:
	case <-time.After(time.Second):
	}
}
