// Package benchserver starts `gesta serve` for the programs under bench/: a
// free local address, the process, and the wait for /healthz to answer 200.
package benchserver

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"syscall"
	"time"
)

// FreeAddr returns a local address (127.0.0.1:PORT) free at the time of the call.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// WaitReady polls url+"/healthz" every poll until it answers 200; an error
// after timeout.
func WaitReady(url string, poll, timeout time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for {
		if resp, err := client.Get(url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("benchserver: %s not ready after %v", url, timeout)
		}
		time.Sleep(poll)
	}
}

// Options tune Start.
type Options struct {
	// Prefix runs the binary through another command (e.g. taskset -c 1).
	Prefix []string
	// Poll is the readiness poll interval (default 10 ms), Timeout how long
	// to wait (default 60 s).
	Poll, Timeout time.Duration
	// Log, if set, receives the server's standard error (its log).
	Log io.Writer
}

// Server is a running `gesta serve`.
type Server struct {
	Cmd  *exec.Cmd
	Addr string // host:port
	URL  string // http://host:port
	// Ready is the time from starting the process to the first healthy answer.
	Ready time.Duration
}

// Start runs `bin serve --addr ADDR args…` on a free address and returns once
// /healthz answers 200; the caller stops it with Stop.
func Start(bin string, args []string, opt Options) (*Server, error) {
	if opt.Poll == 0 {
		opt.Poll = 10 * time.Millisecond
	}
	if opt.Timeout == 0 {
		opt.Timeout = 60 * time.Second
	}
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	argv := append(append(append([]string{}, opt.Prefix...), bin, "serve", "--addr", addr), args...)
	s := &Server{Cmd: exec.Command(argv[0], argv[1:]...), Addr: addr, URL: "http://" + addr}
	s.Cmd.Stderr = opt.Log
	t0 := time.Now()
	if err := s.Cmd.Start(); err != nil {
		return nil, err
	}
	if err := WaitReady(s.URL, opt.Poll, opt.Timeout); err != nil {
		s.Stop()
		return nil, err
	}
	s.Ready = time.Since(t0)
	return s, nil
}

// Stop asks the server to shut down (SIGTERM) and waits, killing it after
// ten seconds.
func (s *Server) Stop() {
	if s == nil || s.Cmd.Process == nil {
		return
	}
	done := make(chan error, 1)
	_ = s.Cmd.Process.Signal(syscall.SIGTERM)
	go func() { done <- s.Cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.Cmd.Process.Kill()
		<-done
	}
}
