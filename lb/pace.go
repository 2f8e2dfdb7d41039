package main

// This file adds the pace that the lb holds a client's answer to. lb.py
// passed on what the backend sent at the client's pace, however slow, and
// so did the lb once, under -idle alone: a client that read a few bytes a
// second kept its pair, and once its backend had cut the lb off, the kernel
// went on holding megabytes for it. Here, as the servers do for their own
// clients, the answer may not stand still for -idle, and once -rate-grace
// has passed it must move -min-rate bytes a second (tcpserver.Sender); a
// client that does not keep that is cut off with a reset, and so is one
// whose pair ends for another reason (see end).

// send writes b, what the backend sent, to the client as its answer.
func (p *pair) send(b []byte) (int, error) {
	n, err := p.answer.Write(b)
	if err != nil {
		p.client.broken = true
	}
	return n, err
}
