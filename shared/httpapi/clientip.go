package httpapi

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP returns the client address as the edge saw it: the host part of
// r.RemoteAddr. In Gatepass's functions that is CloudFront-Viewer-Address,
// which the origin check (package origin, Config.Admit) puts there on a
// request that carries the origin secret, in Lambda and in the local stack
// alike; before that check, or where the header was missing, it is what the
// apigw adapter puts there, API Gateway's requestContext.http.sourceIp (or
// what net/http puts there, the peer address). It never reads
// X-Forwarded-For or any other header (SECURITY.md "Login, lockout,
// enumeration").
//
// RemoteAddr may come with or without a port and IPv6 brackets
// ("203.0.113.9", "203.0.113.9:443", "2001:db8::1", "[2001:db8::1]:443").
// A parseable address is returned in canonical form, IPv4-mapped IPv6
// addresses as IPv4, so that one client always counts under one key;
// anything else is returned as found. It returns "" when RemoteAddr is empty.
func ClientIP(r *http.Request) string {
	host := strings.TrimSpace(r.RemoteAddr)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return addr.Unmap().String()
	}
	return host
}
