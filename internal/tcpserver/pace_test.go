package tcpserver

import (
	"errors"
	"os"
	"testing"
	"time"
)

// TestMeter: when a transfer is checked, and what cuts it off. Each step
// moves some bytes at a time after the start, then checks at another.
func TestMeter(t *testing.T) {
	pace := Pace{Timeout: 10 * time.Second, MinRate: 100, Grace: time.Second}
	s := time.Second
	type step struct {
		moved   int64         // bytes moved, at
		at      time.Duration // this time after the start
		check   time.Duration // then checked at this time
		want    error         // what check returns
		nextDue time.Duration // and the deadline it then sets, after the start
	}
	first := step{50, s / 2, s, nil, 2 * s} // the first window, judged free
	tests := []struct {
		name  string
		pace  Pace
		kind  phase
		steps []step
	}{
		{"the first window is free", pace, phaseAnswer, []step{first}},
		{"too little in the second window", pace, phaseAnswer, []step{first, {50, s + s/2, 2 * s, ErrTooSlow, 0}}},
		{"enough in the second window", pace, phaseAnswer, []step{first, {150, s + s/2, 2 * s, nil, 3 * s}}},
		// A reader whose kernel takes the answer in steps, seconds apart:
		// a window that moved nothing is not judged, but looked at again a
		// quarter of -rate-grace later; the step that ends it is judged
		// with the wait before it.
		{"a window that moved nothing waits for the next step", pace, phaseAnswer, []step{first, {0, 0, 2 * s, nil, 2*s + s/4}, {300, 3*s + s/2, 4 * s, nil, 5 * s}}},
		{"a step too small for the wait before it", pace, phaseAnswer, []step{first, {0, 0, 2 * s, nil, 2*s + s/4}, {250, 3*s + s/2, 4 * s, ErrTooSlow, 0}}},
		// A reader with a tiny window: nothing moves for seconds after the
		// first burst. Its first window ends all the same, and its first
		// step is judged with the wait since.
		{"the first window ends at -rate-grace, moving or not", pace, phaseAnswer, []step{{0, 0, s, nil, 2 * s}, {250, 3*s + s/2, 4 * s, ErrTooSlow, 0}}},
		{"a body stands still for -timeout", Pace{Timeout: 3 * s, SendTimeout: 10 * s}, phaseBody, []step{{10, s, 4 * s, os.ErrDeadlineExceeded, 0}}},
		{"an answer stands still for -send-timeout", Pace{Timeout: 3 * s, SendTimeout: 10 * s}, phaseAnswer, []step{{10, s, 4 * s, nil, 11 * s}, {0, 0, 11 * s, os.ErrDeadlineExceeded, 0}}},
		{"without -send-timeout, an answer stands still for -timeout", Pace{Timeout: 3 * s}, phaseAnswer, []step{{10, s, 4 * s, os.ErrDeadlineExceeded, 0}}},
		{"moving, without a rate", Pace{Timeout: 3 * s}, phaseAnswer, []step{{10, 2 * s, 3 * s, nil, 5 * s}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Unix(1000, 0)
			m := tc.pace.meter(start, nil, tc.kind)
			for i, st := range tc.steps {
				m.add(st.moved, start.Add(st.at))
				now := start.Add(st.check)
				err := m.check(now)
				if !errors.Is(err, st.want) || (err == nil) != (st.want == nil) {
					t.Fatalf("step %d: check = %v, want %v", i, err, st.want)
				}
				if err == nil && m.deadline(now) != start.Add(st.nextDue) {
					t.Errorf("step %d: next deadline %v after the start, want %v", i, m.deadline(now).Sub(start), st.nextDue)
				}
			}
		})
	}
}

// TestMeterResume: the lb's wait for its backend's next part is not the
// client's: after resume, the answer has stood still only for the time it
// was being written.
func TestMeterResume(t *testing.T) {
	start := time.Unix(1000, 0)
	s := time.Second
	m := Pace{Timeout: 3 * s}.meter(start, nil, phaseAnswer)
	m.add(10, start.Add(s))
	m.resume(start.Add(2*s), start.Add(12*s)) // waited 10 s for the next part
	if err := m.check(start.Add(13 * s)); err != nil {
		t.Errorf("after a wait for the backend: %v, want nil (stood still 2 s of its own)", err)
	}
	if err := m.check(start.Add(14 * s)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("3 s of its own later: %v, want it cut off", err)
	}
}

// TestQueueStandsStill: when a full listener judges that its queue stands
// still, so that the clients that have sent nothing are shed (see
// pressure). Each step sets whether it is full, frees places (by clients
// served, and by clients shed), and looks, at a time after the start.
func TestQueueStandsStill(t *testing.T) {
	type step struct {
		at           time.Duration
		full         bool
		served, shed int64 // places freed since the last step
		stuck        bool  // what stuck() then says
	}
	const s = StuckAfter
	tests := []struct {
		name  string
		steps []step
	}{
		{"full, and nobody served for StuckAfter", []step{{0, true, 0, 0, false}, {s / 2, true, 0, 0, false}, {s, true, 0, 0, true}}},
		{"full, and one served: the queue moves (16 places: one to move)", []step{{0, true, 0, 0, false}, {s, true, 1, 0, false}}},
		{"places freed by clients shed do not count", []step{{0, true, 0, 0, false}, {s, true, 0, 10, true}}},
		{"a moment of room keeps the judgment", []step{{0, true, 0, 0, false}, {s, true, 0, 0, true}, {s + s/10, false, 0, 16, false}, {s + s/5, true, 0, 0, true}}},
		{"room for StuckAfter forgets it", []step{{0, true, 0, 0, false}, {s, true, 0, 0, true}, {s + s/10, false, 0, 0, false}, {2*s + s/10, false, 0, 0, false}, {2*s + s/5, true, 0, 0, false}}},
		{"ab: the queue stood still a second, then moved", []step{{0, true, 0, 0, false}, {s * 2 / 3, true, 0, 0, false}, {s, true, 5000, 0, false}, {2 * s, true, 9000, 0, false}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p pressure
			p.moving = 1 // 16 places
			start := time.Unix(1000, 0)
			for i, st := range tc.steps {
				p.on.Store(st.full)
				p.freed.Add(st.served + st.shed)
				p.shedAll.Add(st.shed)
				p.look(start.Add(st.at))
				if p.stuck() != st.stuck {
					t.Errorf("step %d (%v): stuck() = %v, want %v", i, st.at, p.stuck(), st.stuck)
				}
			}
		})
	}
}
