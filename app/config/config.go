// Package config reads Portico's settings from flags and PORTICO_* environment
// variables. A flag wins over its variable, and a bad value fails start-up
// with one line naming the setting.
package config

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config holds every setting Portico reads at start-up.
type Config struct {
	Addr           string
	DataDir        string
	BaseURL        string
	DatabaseURL    string
	RedisURL       string
	SMTPURL        string
	MailFrom       string
	SecretKey      string
	TrustedProxies []string
	LogFormat      string
	LogLevel       string
	MaxUploadSize  int64
	MaxUploads     int
	// MaxConcurrentUploads is how many uploading requests one contact (or
	// staff user) may have at once; 0 means no cap.
	MaxConcurrentUploads int
	// UploadQuota is how many bytes of attachments one contact may store
	// in all; 0 means no quota.
	UploadQuota   int64
	SessionMaxAge time.Duration
	Demo          bool
	// MetricsAddr is the listen address of /metrics; empty means off.
	MetricsAddr string

	// Email: the optional listener for customers' replies by email.
	InboundSMTPAddr string
	InboundDomain   string

	rest []string
}

// setting describes one configurable value: its flag name, the environment
// variable, the default shown in --help, and how to parse it into Config.
type setting struct {
	name  string
	usage string
	def   string
	set   func(c *Config, v string) error
}

func (s setting) env() string {
	return "PORTICO_" + strings.ToUpper(strings.ReplaceAll(s.name, "-", "_"))
}

var settings = []setting{
	{"addr", "listen address", ":8080", func(c *Config, v string) error {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return fmt.Errorf("want host:port, got %q", v)
		}
		c.Addr = v
		return nil
	}},
	{"data-dir", "directory for the embedded database and local files", "./data", func(c *Config, v string) error {
		if v == "" {
			return fmt.Errorf("must not be empty")
		}
		c.DataDir = v
		return nil
	}},
	{"base-url", "public URL used in links (default derived from the listen address)", "", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("want an absolute http(s) URL, got %q", v)
		}
		c.BaseURL = strings.TrimRight(v, "/")
		return nil
	}},
	{"database-url", "postgres://… database URL (default: embedded SQLite in the data directory)", "", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return fmt.Errorf("want a postgres:// URL")
		}
		c.DatabaseURL = v
		return nil
	}},
	{"redis-url", "redis://… URL for sessions, idle timeouts and rate limits (default: in-process)", "", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			return fmt.Errorf("want a redis:// URL")
		}
		c.RedisURL = v
		return nil
	}},
	{"smtp-url", "smtp://user:pass@host:port for outgoing mail (default: none, mail stays in the outbox)", "", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || u.Host == "" || (u.Scheme != "smtp" && u.Scheme != "smtp+starttls" && u.Scheme != "smtps") {
			return fmt.Errorf("want an smtp://, smtp+starttls:// or smtps:// URL")
		}
		c.SMTPURL = v
		return nil
	}},
	{"mail-from", "sender address of outgoing mail, e.g. \"Help <help@example.com>\" (required with an SMTP URL)", "", func(c *Config, v string) error {
		if strings.ContainsAny(v, "\r\n") {
			return fmt.Errorf("must be one line")
		}
		if v != "" {
			if _, err := mail.ParseAddress(v); err != nil {
				return fmt.Errorf("want an email address, got %q", v)
			}
		}
		c.MailFrom = v
		return nil
	}},
	// Email: replies by email.
	{"inbound-smtp-addr", "listen address of the SMTP server that takes customers' replies by email (default: none)", "", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		if _, _, err := net.SplitHostPort(v); err != nil {
			return fmt.Errorf("want host:port, got %q", v)
		}
		c.InboundSMTPAddr = v
		return nil
	}},
	{"inbound-domain", "domain of the reply addresses the inbound server accepts (default: the domain of the sender address)", "", func(c *Config, v string) error {
		if strings.ContainsAny(v, " @<>\r\n") {
			return fmt.Errorf("want a domain name, got %q", v)
		}
		c.InboundDomain = strings.ToLower(v)
		return nil
	}},
	{"secret-key", "key for signed tokens (default: generated and stored in the data directory)", "", func(c *Config, v string) error {
		if v != "" && len(v) < 32 {
			return fmt.Errorf("must be at least 32 characters")
		}
		c.SecretKey = v
		return nil
	}},
	{"trusted-proxies", "comma-separated proxy IPs or CIDRs whose forwarded headers are trusted", "", func(c *Config, v string) error {
		c.TrustedProxies = nil
		for _, p := range strings.Split(v, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			if net.ParseIP(p) == nil {
				if _, _, err := net.ParseCIDR(p); err != nil {
					return fmt.Errorf("%q is not an IP or CIDR", p)
				}
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
		return nil
	}},
	{"metrics-addr", "listen address of the Prometheus /metrics endpoint, apart from the portal's, e.g. 127.0.0.1:9090 (default: off)", "", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		if _, _, err := net.SplitHostPort(v); err != nil {
			return fmt.Errorf("want host:port, got %q", v)
		}
		c.MetricsAddr = v
		return nil
	}},
	{"log-format", "log format: text or json", "text", func(c *Config, v string) error {
		if v != "text" && v != "json" {
			return fmt.Errorf("want text or json, got %q", v)
		}
		c.LogFormat = v
		return nil
	}},
	{"log-level", "log level: debug, info, warn or error", "info", func(c *Config, v string) error {
		switch v {
		case "debug", "info", "warn", "error":
			c.LogLevel = v
			return nil
		}
		return fmt.Errorf("want debug, info, warn or error, got %q", v)
	}},
	{"max-upload-size", "largest attachment in bytes", "10485760", func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > 1<<30 {
			return fmt.Errorf("want a byte count between 1 and 1073741824, got %q", v)
		}
		c.MaxUploadSize = n
		return nil
	}},
	{"max-uploads", "most attachments on one message", "5", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 50 {
			return fmt.Errorf("want a number between 0 and 50, got %q", v)
		}
		c.MaxUploads = n
		return nil
	}},
	{"max-concurrent-uploads", "most uploads one contact may send at once (0: no cap)", "2", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1000 {
			return fmt.Errorf("want a number between 0 and 1000, got %q", v)
		}
		c.MaxConcurrentUploads = n
		return nil
	}},
	{"upload-quota", "bytes of attachments one contact may store in all (0: no quota)", "1073741824", func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("want a byte count, 0 for no quota, got %q", v)
		}
		c.UploadQuota = n
		return nil
	}},
	{"session-max-age", "absolute session lifetime, e.g. 12h", "12h", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute {
			return fmt.Errorf("want a duration of at least 1m, got %q", v)
		}
		c.SessionMaxAge = d
		return nil
	}},
	{"demo", "load the demo data (every demo password is portico-demo)", "false", func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false, got %q", v)
		}
		c.Demo = b
		return nil
	}},
}

// Load parses args (without the program name) and the environment. It
// returns flag.ErrHelp when --help was asked for, after printing the usage.
func Load(args []string, getenv func(string) string, out io.Writer) (*Config, error) {
	fs := flag.NewFlagSet("portico", flag.ContinueOnError)
	fs.SetOutput(out)
	values := make(map[string]*string, len(settings))
	for _, s := range settings {
		def := s.def
		if v := getenv(s.env()); v != "" {
			def = v
		}
		if s.name == "demo" {
			values[s.name] = new(string)
			*values[s.name] = def
			fs.BoolFunc(s.name, fmt.Sprintf("%s [%s]", s.usage, s.env()), boolFlag(values[s.name]))
			continue
		}
		values[s.name] = fs.String(s.name, def, fmt.Sprintf("%s [%s]", s.usage, s.env()))
	}
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: portico [flags] [migrate | reindex | backup FILE | admin create --email E --role admin|agent]\n\n"+
			"Commands:\n  migrate   apply the database migrations and exit\n"+
			"  reindex   rebuild the derived visibility and search keys from the tickets (safe while Portico serves; run it after a restore or a fix in SQL)\n"+
			"  backup FILE  write a consistent copy of the embedded SQLite database to FILE, while Portico runs (never overwrites; on Postgres use pg_dump)\n"+
			"  admin     create a staff user\n\nEvery flag can also be set with the environment variable in brackets.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	c := &Config{}
	for _, s := range settings {
		if err := s.set(c, *values[s.name]); err != nil {
			return nil, fmt.Errorf("config: %s (--%s): %v", s.env(), s.name, err)
		}
	}
	// Email: mail needs a sender, and reply addresses need a domain.
	if c.SMTPURL != "" && c.MailFrom == "" {
		return nil, fmt.Errorf("config: PORTICO_MAIL_FROM (--mail-from): required when PORTICO_SMTP_URL is set")
	}
	if c.InboundSMTPAddr != "" && c.InboundDomain == "" {
		a, err := mail.ParseAddress(c.MailFrom)
		if err != nil {
			return nil, fmt.Errorf("config: PORTICO_INBOUND_DOMAIN (--inbound-domain): required when PORTICO_INBOUND_SMTP_ADDR is set and PORTICO_MAIL_FROM is not")
		}
		c.InboundDomain = strings.ToLower(a.Address[strings.LastIndexByte(a.Address, '@')+1:])
	}
	if c.MetricsAddr != "" && samePort(c.MetricsAddr, c.Addr) {
		return nil, fmt.Errorf("config: PORTICO_METRICS_ADDR (--metrics-addr): must not be the portal's port %s: metrics are never public", c.Addr)
	}
	if c.BaseURL == "" {
		host, port, _ := net.SplitHostPort(c.Addr)
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		c.BaseURL = "http://" + net.JoinHostPort(host, port)
	}
	c.rest = fs.Args()
	return c, nil
}

// samePort reports whether two listen addresses would share a port: the
// same port on the same host, or on all interfaces.
func samePort(a, b string) bool {
	ha, pa, _ := net.SplitHostPort(a)
	hb, pb, _ := net.SplitHostPort(b)
	if pa != pb {
		return false
	}
	wild := func(h string) bool { return h == "" || h == "0.0.0.0" || h == "::" }
	return ha == hb || wild(ha) || wild(hb)
}

// boolFlag stores the flag value; BoolFunc passes "true" when --demo has no value.
func boolFlag(dst *string) func(string) error {
	return func(v string) error { *dst = v; return nil }
}

// Args returns the positional arguments (the sub-command), if any.
func (c *Config) Args() []string { return c.rest }

// Secure reports whether the public URL is served over https.
func (c *Config) Secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// FromEnv is Load with the process environment.
func FromEnv(args []string, out io.Writer) (*Config, error) {
	return Load(args, os.Getenv, out)
}
