package testutil

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// FreePort returns a loopback port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitPort waits until something accepts connections on addr.
func waitPort(t testing.TB, addr string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing answers on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// RedisServer is a redis-server of the test's own, on a free port, which
// the test may freeze, kill and start again. It is never the machine's.
type RedisServer struct {
	t    testing.TB
	Addr string
	dir  string
	cmd  *exec.Cmd
}

// StartRedis starts a redis-server without persistence on a free port; it
// is killed when the test ends. Without redis-server the test is skipped.
func StartRedis(t testing.TB) *RedisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		Unavailable(t, "redis", "not installed")
	}
	r := &RedisServer{t: t, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(FreePort(t))), dir: t.TempDir()}
	r.Start()
	t.Cleanup(func() { r.Kill() })
	return r
}

// Start starts the server (again) on its port.
func (r *RedisServer) Start() {
	r.t.Helper()
	_, port, _ := net.SplitHostPort(r.Addr)
	r.cmd = exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", r.dir)
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	waitPort(r.t, r.Addr, 10*time.Second)
}

// Freeze stops the process (SIGSTOP): connections are accepted by the
// kernel but nothing answers.
func (r *RedisServer) Freeze() { r.signal(syscall.SIGSTOP) }

// Thaw lets a frozen server go on (SIGCONT).
func (r *RedisServer) Thaw() { r.signal(syscall.SIGCONT) }

func (r *RedisServer) signal(sig syscall.Signal) {
	r.t.Helper()
	if err := r.cmd.Process.Signal(sig); err != nil {
		r.t.Fatal(err)
	}
}

// Kill kills the server and waits for it to be gone.
func (r *RedisServer) Kill() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGCONT)
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}

// PostgresCluster is a Postgres cluster of the test's own, initialised in
// a temporary directory and listening on a free loopback port, which the
// test may restart. It is never the machine's.
type PostgresCluster struct {
	t    testing.TB
	bin  string
	dir  string
	Port int
	// URL is the cluster's postgres database, for the superuser postgres.
	URL string
	as  *user.User // the user the server runs as, when the test runs as root
}

// postgresBin finds the directory of initdb and pg_ctl.
func postgresBin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		a, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		b, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return a > b
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

// StartPostgres initialises and starts a cluster on a free port; it is
// stopped and removed when the test ends. initdb refuses to run as root,
// so under root the server runs as the postgres user. Without the
// binaries the test is skipped.
func StartPostgres(t testing.TB) *PostgresCluster {
	t.Helper()
	pc := &PostgresCluster{t: t, bin: postgresBin(), Port: FreePort(t)}
	if pc.bin == "" {
		Unavailable(t, "postgres", "initdb not found")
	}
	dir, err := os.MkdirTemp("", "portico-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	pc.dir = filepath.Join(dir, "data")
	if os.Geteuid() == 0 {
		if pc.as, err = user.Lookup("postgres"); err != nil {
			Unavailable(t, "postgres", "running as root and there is no postgres user")
		}
		uid, _ := strconv.Atoi(pc.as.Uid)
		gid, _ := strconv.Atoi(pc.as.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	pc.run("initdb", "-D", pc.dir, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale", "C")
	pc.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pc.Port)
	pc.ctl("start")
	t.Cleanup(func() { pc.run("pg_ctl", "-D", pc.dir, "-m", "immediate", "-w", "stop") })
	return pc
}

// Database creates a database in the cluster and returns its URL.
func (pc *PostgresCluster) Database(name string) string {
	pc.t.Helper()
	pc.run("createdb", "-h", "127.0.0.1", "-p", strconv.Itoa(pc.Port), "-U", "postgres", name)
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", pc.Port, name)
}

// Restart restarts the server with a fast shutdown: open transactions are
// rolled back and every connection is closed.
func (pc *PostgresCluster) Restart() { pc.ctl("restart", "-m", "fast") }

func (pc *PostgresCluster) ctl(action string, args ...string) {
	pc.t.Helper()
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c max_connections=100", pc.Port)
	pc.run("pg_ctl", append([]string{"-D", pc.dir, "-l", filepath.Join(filepath.Dir(pc.dir), "log"), "-o", opts, "-w", action}, args...)...)
}

// run runs one of the cluster's programs, as the postgres user under root.
func (pc *PostgresCluster) run(prog string, args ...string) {
	pc.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	path := filepath.Join(pc.bin, prog)
	var cmd *exec.Cmd
	if pc.as != nil {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", pc.as.Username, "--", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	cmd.Dir = filepath.Dir(pc.dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		pc.t.Fatalf("%s %v: %v\n%s", prog, args, err, out)
	}
}
