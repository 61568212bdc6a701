package httpapi

import (
	"net/http/httptest"
	"testing"
)

func TestClientIP(t *testing.T) {
	tests := []struct{ remoteAddr, want string }{
		{"203.0.113.9", "203.0.113.9"},
		{"203.0.113.9:54321", "203.0.113.9"},
		{"2001:db8::1", "2001:db8::1"},
		{"[2001:db8::1]:443", "2001:db8::1"},
		{"[2001:db8::1]", "2001:db8::1"},
		{"2001:0db8:0000::0001", "2001:db8::1"},
		{"[::ffff:203.0.113.9]:80", "203.0.113.9"},
		{"", ""},
		{"not-an-ip", "not-an-ip"},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = tt.remoteAddr
		req.Header.Set("X-Forwarded-For", "198.51.100.1")
		if got := ClientIP(req); got != tt.want {
			t.Errorf("ClientIP(%q) = %q, want %q", tt.remoteAddr, got, tt.want)
		}
	}
}
