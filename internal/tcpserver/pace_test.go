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
		nextDue time.Duration // and the deadline after it
	}
	tests := []struct {
		name  string
		pace  Pace
		steps []step
	}{
		{"the first window is free", pace, []step{{0, 0, s, nil, 2 * s}}},
		{"too little in the second window", pace, []step{{0, 0, s, nil, 2 * s}, {50, s + s/2, 2 * s, ErrTooSlow, 0}}},
		{"enough in the second window", pace, []step{{0, 0, s, nil, 2 * s}, {150, s + s/2, 2 * s, nil, 3 * s}}},
		{"standing still", Pace{Timeout: 3 * s}, []step{{10, s, 4 * s, os.ErrDeadlineExceeded, 0}}},
		{"moving, without a rate", Pace{Timeout: 3 * s}, []step{{10, 2 * s, 3 * s, nil, 5 * s}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Unix(1000, 0)
			m := tc.pace.meter(start, nil, phaseAnswer)
			for i, st := range tc.steps {
				m.add(st.moved, start.Add(st.at))
				err := m.check(start.Add(st.check))
				if !errors.Is(err, st.want) || (err == nil) != (st.want == nil) {
					t.Fatalf("step %d: check = %v, want %v", i, err, st.want)
				}
				if err == nil && m.deadline(start) != start.Add(st.nextDue) {
					t.Errorf("step %d: next deadline %v after the start, want %v", i, m.deadline(start).Sub(start), st.nextDue)
				}
			}
		})
	}
}
