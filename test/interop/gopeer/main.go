// SPDX-License-Identifier: Apache-2.0
// gopeer: the reference Go ttrpc (github.com/containerd/ttrpc) as a server and as a client, for
// interoperability tests against Reaper's C ttrpc. Built offline in GOPATH mode by
// test/interop/test_ttrpc_go.sh. Messages are ttrpc.KeyValue{key, value} both ways.
//
//	gopeer serve ADDRESS   serve reaper.test.Echo until killed
//	gopeer call ADDRESS    run the client checks against a server, then call Shutdown
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/containerd/ttrpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const service = "reaper.test.Echo"

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "gopeer: "+format+"\n", args...)
	os.Exit(1)
}

// ---- server ----

type echoServer struct {
	mu      sync.Mutex
	release chan struct{}
}

func decode(unmarshal func(interface{}) error) (*ttrpc.KeyValue, error) {
	var req ttrpc.KeyValue
	if err := unmarshal(&req); err != nil {
		return nil, err
	}
	return &req, nil
}

func (s *echoServer) methods() map[string]ttrpc.Method {
	return map[string]ttrpc.Method{
		"Echo": func(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
			return decode(unmarshal)
		},
		"Fail": func(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
			req, err := decode(unmarshal)
			if err != nil {
				return nil, err
			}
			return nil, status.Errorf(codes.NotFound, "no %s", req.Key)
		},
		"Park": func(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
			req, err := decode(unmarshal)
			if err != nil {
				return nil, err
			}
			s.mu.Lock()
			release := s.release
			s.mu.Unlock()
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-release:
				return &ttrpc.KeyValue{Key: req.Key, Value: "released"}, nil
			}
		},
		"Release": func(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
			req, err := decode(unmarshal)
			if err != nil {
				return nil, err
			}
			s.mu.Lock()
			close(s.release)
			s.release = make(chan struct{})
			s.mu.Unlock()
			return req, nil
		},
		"Big": func(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
			req, err := decode(unmarshal)
			if err != nil {
				return nil, err
			}
			n, err := strconv.Atoi(req.Value)
			if err != nil {
				return nil, status.Errorf(codes.InvalidArgument, "size %q", req.Value)
			}
			return &ttrpc.KeyValue{Key: "big", Value: strings.Repeat("x", n)}, nil
		},
	}
}

func serve(address string) {
	l, err := net.Listen("unix", address)
	if err != nil {
		fail("listen: %v", err)
	}
	srv, err := ttrpc.NewServer(ttrpc.WithServerHandshaker(ttrpc.UnixSocketRequireSameUser()))
	if err != nil {
		fail("server: %v", err)
	}
	s := &echoServer{release: make(chan struct{})}
	srv.Register(service, s.methods())
	if err := srv.Serve(context.Background(), l); err != nil {
		fail("serve: %v", err)
	}
}

// ---- client ----

type checker struct {
	client *ttrpc.Client
}

func (c *checker) call(ctx context.Context, method, key, value string) (*ttrpc.KeyValue, error) {
	var resp ttrpc.KeyValue
	err := c.client.Call(ctx, service, method, &ttrpc.KeyValue{Key: key, Value: value}, &resp)
	return &resp, err
}

func expectCode(what string, err error, code codes.Code, msg string) {
	st, ok := status.FromError(err)
	if !ok || st.Code() != code {
		fail("%s: want %v, got %v", what, code, err)
	}
	if msg != "" && st.Message() != msg {
		fail("%s: want message %q, got %q", what, msg, st.Message())
	}
	fmt.Printf("ok: %s -> %v\n", what, code)
}

func dial(address string, opts ...ttrpc.ClientOpts) *ttrpc.Client {
	conn, err := net.Dial("unix", address)
	if err != nil {
		fail("dial: %v", err)
	}
	return ttrpc.NewClient(conn, opts...)
}

// waitParked polls the server's Parked method (C server only) until n calls are parked.
func waitParked(c *checker, n int) {
	want := strconv.Itoa(n)
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); {
		r, err := c.call(context.Background(), "Parked", "", "")
		if err != nil {
			fail("Parked: %v", err)
		}
		if r.Value == want {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	fail("the server never parked %d calls", n)
}

func runChecks(address string) {
	ctx := context.Background()
	c := &checker{client: dial(address)}
	defer c.client.Close()

	resp, err := c.call(ctx, "Echo", "k", "hello")
	if err != nil || resp.Key != "k" || resp.Value != "hello" {
		fail("Echo: %v %+v", err, resp)
	}
	fmt.Println("ok: Echo")

	_, err = c.call(ctx, "Fail", "thing", "")
	expectCode("Fail", err, codes.NotFound, "no thing")
	_, err = c.call(ctx, "Nope", "", "")
	expectCode("unknown method", err, codes.Unimplemented, "")
	var out ttrpc.KeyValue
	err = c.client.Call(ctx, "no.Such", "Echo", &ttrpc.KeyValue{}, &out)
	expectCode("unknown service", err, codes.Unimplemented, "")

	// A parked call does not hold up the others on the same connection.
	parked := make(chan error, 1)
	go func() {
		r, err := c.call(ctx, "Park", "p", "")
		if err == nil && r.Value != "released" {
			err = fmt.Errorf("Park answered %q", r.Value)
		}
		parked <- err
	}()
	waitParked(c, 1)
	if _, err := c.call(ctx, "Echo", "k", "meanwhile"); err != nil {
		fail("Echo while parked: %v", err)
	}
	select {
	case err := <-parked:
		fail("Park returned before Release: %v", err)
	default:
	}
	if _, err := c.call(ctx, "Release", "", ""); err != nil {
		fail("Release: %v", err)
	}
	if err := <-parked; err != nil {
		fail("Park: %v", err)
	}
	fmt.Println("ok: parked call answered after a later call")

	// The server enforces timeout_nano itself: an interceptor sets it without a client deadline.
	short := dial(address, ttrpc.WithUnaryClientInterceptor(
		func(ctx context.Context, req *ttrpc.Request, resp *ttrpc.Response, info *ttrpc.UnaryClientInfo, invoker ttrpc.Invoker) error {
			req.TimeoutNano = int64(50 * time.Millisecond)
			return invoker(ctx, req, resp)
		}))
	var r ttrpc.KeyValue
	err = short.Call(ctx, service, "Park", &ttrpc.KeyValue{Key: "t"}, &r)
	expectCode("server-side deadline", err, codes.DeadlineExceeded, "")
	short.Close()

	// A client-side deadline ends the call too.
	dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	_, err = c.call(dctx, "Park", "d", "")
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) && status.Code(err) != codes.DeadlineExceeded {
		fail("client deadline: %v", err)
	}
	fmt.Println("ok: client deadline")

	// An oversized request is answered RESOURCE_EXHAUSTED and the connection survives.
	_, err = c.call(ctx, "Echo", "big", strings.Repeat("x", 5<<20))
	expectCode("oversized request", err, codes.ResourceExhausted, "")
	if _, err := c.call(ctx, "Echo", "k", "after"); err != nil {
		fail("Echo after oversized request: %v", err)
	}
	fmt.Println("ok: connection usable after oversized request")

	// Many concurrent calls on one connection.
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			v := strconv.Itoa(i)
			r, err := c.call(ctx, "Echo", "k", v)
			if err == nil && r.Value != v {
				err = fmt.Errorf("call %d answered %q", i, r.Value)
			}
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			fail("concurrent Echo: %v", err)
		}
	}
	fmt.Println("ok: 50 concurrent calls")

	if _, err := c.call(ctx, "Shutdown", "", ""); err != nil {
		fail("Shutdown: %v", err)
	}
	fmt.Println("ok: Shutdown")
}

func main() {
	if len(os.Args) != 3 {
		fail("usage: gopeer serve|call ADDRESS")
	}
	switch os.Args[1] {
	case "serve":
		serve(os.Args[2])
	case "call":
		runChecks(os.Args[2])
	default:
		fail("unknown mode %q", os.Args[1])
	}
}
