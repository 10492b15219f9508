// Package mail sends e-mail over SMTP (github.com/wneessen/go-mail).
package mail

import (
	"context"
	"fmt"
	"net"
	"strconv"

	gomail "github.com/wneessen/go-mail"
)

// Config is where and as whom to send.
type Config struct {
	Addr     string // host:port
	From     string
	Username string // empty: no authentication
	Password string
	// TLS: "starttls" (required), "opportunistic" (when offered), "none"
	// (test servers on loopback only).
	TLS string
}

// Sender sends plain-text messages.
type Sender struct {
	cfg Config
}

// New validates the configuration.
func New(cfg Config) (*Sender, error) {
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return nil, fmt.Errorf("mail: address %q: %w", cfg.Addr, err)
	}
	if cfg.From == "" {
		return nil, fmt.Errorf("mail: no sender address")
	}
	return &Sender{cfg: cfg}, nil
}

// Send delivers one message in its own SMTP session.
func (s *Sender) Send(ctx context.Context, to, subject, body string) error {
	m := gomail.NewMsg()
	if err := m.From(s.cfg.From); err != nil {
		return fmt.Errorf("mail: from: %w", err)
	}
	if err := m.To(to); err != nil {
		return fmt.Errorf("mail: to: %w", err)
	}
	m.Subject(subject)
	m.SetBodyString(gomail.TypeTextPlain, body)
	host, portStr, _ := net.SplitHostPort(s.cfg.Addr)
	port, _ := strconv.Atoi(portStr)
	opts := []gomail.Option{gomail.WithPort(port)}
	switch s.cfg.TLS {
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case "opportunistic":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(s.cfg.Username),
			gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(host, opts...)
	if err != nil {
		return fmt.Errorf("mail: client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("mail: send: %w", err)
	}
	return nil
}
