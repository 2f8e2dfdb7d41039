package main

// This file adds what a server must do and lb.py did not: keep an answer
// that the backend sent before the client had finished sending. Closing a
// connection with bytes unread makes the kernel send a reset, and the reset
// can destroy the answer before the client has read it (RFC 9112 9.6).

import (
	"time"

	"progjar/internal/tcpserver"
)

// keepAnswer is called when a write to the backend failed: the backend has
// closed, most often after answering. Closing the client now, with its
// bytes unread, would reset it: instead, forwarding stops and what the
// client still sends is read and dropped, briefly, as the servers do
// (tcpserver.Drain). The other direction ends the pair.
func (p *pair) keepAnswer() {
	_ = tcpserver.Discard(p.client.c) // NOTE: the client is closed next either way.
}

// linger is called once the backend's end has been passed on to the
// client: as a server would, the client gets a moment to finish sending,
// and the pair then ends.
func (p *pair) linger() {
	_ = p.client.c.SetReadDeadline(time.Now().Add(tcpserver.LingerTime)) // NOTE: fails only if closed: then it is over anyway.
}
