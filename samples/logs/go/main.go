// Command go generates real HTTP/2 debug logs (GODEBUG=http2debug=1|2) for tracelens' log readers.
//
// Go 1.19 (Debian 12) has no unencrypted HTTP/2 in the standard library, so the exchange runs over
// TLS on 127.0.0.1 with a certificate made at start. The TLS secrets can be written to a key log
// (-keylog) so a packet capture of the same run can be decrypted.
//
// Modes:
//
//	both            server and client in one process: both sides' lines interleave on stderr
//	both-concurrent two clients on two connections at once, against one server (four Framers)
//	server          serve until -timeout, print the listening address on stdout
//	client -addr A  run the exchange against A
package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"
)

func selfSignedCert() tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		log.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// grpcFrame prefixes a message with gRPC's 5-byte header: compressed flag and big-endian length.
func grpcFrame(msg []byte) []byte {
	out := make([]byte, 5+len(msg))
	binary.BigEndian.PutUint32(out[1:5], uint32(len(msg)))
	copy(out[5:], msg)
	return out
}

// handler serves the exchange; bye is called when the client asks the server to go away.
func handler(bye func()) http.Handler {
	mux := http.NewServeMux()
	// Answers too late: the client gives up and resets the stream (RST_STREAM CANCEL).
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	})
	// Graceful shutdown after this response: the server sends GOAWAY.
	mux.HandleFunc("/bye", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "bye")
		time.AfterFunc(50*time.Millisecond, bye)
	})
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "hello")
	})
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true,"n":2}`)
	})
	mux.HandleFunc("/missing", func(w http.ResponseWriter, r *http.Request) {
		http.NotFound(w, r)
	})
	mux.HandleFunc("/upload", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "got %d bytes", n)
	})
	// A well-formed gRPC response: HEADERS, DATA (one message), HEADERS(END_STREAM) trailers.
	mux.HandleFunc("/echo.Echo/Say", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/grpc")
		w.Header().Set("Trailer", "Grpc-Status, Grpc-Message")
		w.WriteHeader(200)
		if len(body) >= 5 {
			w.Write(grpcFrame(bytes.ToUpper(body[5:])))
		}
		w.Header().Set("Grpc-Status", "0")
		w.Header().Set("Grpc-Message", "")
	})
	// Trailers-Only: the error status travels in the only HEADERS frame, with END_STREAM.
	mux.HandleFunc("/echo.Echo/Fail", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/grpc")
		w.Header().Set("Grpc-Status", "5")
		w.Header().Set("Grpc-Message", "no such echo")
		w.WriteHeader(200)
	})
	// The defect tracelens detects: a gRPC response ended by DATA+END_STREAM, without trailers.
	mux.HandleFunc("/echo.Echo/NoTrailers", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/grpc")
		w.WriteHeader(200)
		w.Write(grpcFrame([]byte("partial")))
		w.(http.Flusher).Flush()
	})
	return mux
}

// runClient runs the exchange; bye asks the server to shut down at the end.
func runClient(client *http.Client, base string, bye bool) {
	do := func(method, path, ctype string, body []byte) {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequest(method, base+path, rd)
		if err != nil {
			log.Fatal(err)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if strings.HasPrefix(ctype, "application/grpc") {
			req.Header.Set("Te", "trailers")
		}
		resp, err := client.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Fprintf(os.Stdout, "%s %s -> %s %s %d bytes grpc-status=%q\n", method, path, resp.Proto, resp.Status, len(b),
			resp.Trailer.Get("Grpc-Status")+resp.Header.Get("Grpc-Status"))
	}
	// Sequential on purpose: the stream ids are then 1, 3, 5, ... in this order, which the tests rely on.
	do("GET", "/hello", "", nil)                                                           // stream 1
	do("GET", "/json", "", nil)                                                            // stream 3
	do("GET", "/missing", "", nil)                                                         // stream 5
	do("POST", "/upload", "text/plain", []byte("name=tracelens&payload=0123456789abcdef")) // stream 7
	do("POST", "/echo.Echo/Say", "application/grpc", grpcFrame([]byte("hi there")))        // stream 9
	do("POST", "/echo.Echo/Fail", "application/grpc", grpcFrame([]byte("x")))              // stream 11
	do("POST", "/echo.Echo/NoTrailers", "application/grpc", grpcFrame([]byte("y")))        // stream 13
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/slow", nil) // stream 15, reset by the client
	if _, err := client.Do(req); err == nil {
		log.Fatal("/slow answered in time")
	}
	cancel()
	fmt.Fprintln(os.Stdout, "GET /slow -> canceled")
	if !bye {
		client.CloseIdleConnections()
		return
	}
	do("GET", "/bye", "", nil) // stream 17, then the server's GOAWAY
	// Wait for the GOAWAY to arrive and the connection to close.
	time.Sleep(300 * time.Millisecond)
	client.CloseIdleConnections()
}

// keylogFile is shared by both sides in "both" mode: two os.Create calls would truncate each other.
var keylogFile *os.File

func keylogWriter(path string) io.Writer {
	if path == "" {
		return nil
	}
	if keylogFile == nil {
		f, err := os.Create(path)
		if err != nil {
			log.Fatal(err)
		}
		keylogFile = f
	}
	return keylogFile
}

var shutdownDone chan struct{}

func main() {
	micros := flag.Bool("micros", true, "log with microsecond times (Go's default is whole seconds)")
	addr := flag.String("addr", "", "server address for client mode")
	listen := flag.String("listen", "127.0.0.1:0", "listen address for server and both modes (loopback only)")
	timeout := flag.Duration("timeout", 10*time.Second, "exit after this long whatever happens")
	keylog := flag.String("keylog", "", "write TLS secrets in NSS key log format to this file")
	flag.Parse()
	if *micros {
		log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	}
	time.AfterFunc(*timeout, func() { log.Print("timeout"); os.Exit(2) })
	mode := flag.Arg(0)
	if !strings.HasPrefix(*listen, "127.") {
		log.Fatal("loopback only")
	}

	newServer := func() *httptest.Server {
		ln, err := net.Listen("tcp", *listen)
		if err != nil {
			log.Fatal(err)
		}
		var srv *httptest.Server
		done := make(chan struct{})
		shutdownDone = done
		srv = httptest.NewUnstartedServer(handler(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			srv.Config.Shutdown(ctx)
			close(done)
		}))
		srv.Listener.Close()
		srv.Listener = ln
		srv.EnableHTTP2 = true
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{selfSignedCert()}, KeyLogWriter: keylogWriter(*keylog)}
		srv.StartTLS()
		return srv
	}
	newClient := func() *http.Client {
		tr := &http.Transport{
			TLSClientConfig:   &tls.Config{InsecureSkipVerify: true, KeyLogWriter: keylogWriter(*keylog)},
			ForceAttemptHTTP2: true,
		}
		return &http.Client{Transport: tr, Timeout: 5 * time.Second}
	}

	switch mode {
	case "both":
		srv := newServer()
		runClient(newClient(), srv.URL, true)
		<-shutdownDone
	case "both-concurrent":
		// Two clients with their own connections at once: four Framers whose lines interleave. No
		// /bye (a shutdown would race the other client), so streams 1 to 15 only.
		srv := newServer()
		done := make(chan struct{})
		for i := 0; i < 2; i++ {
			go func() {
				runClient(newClient(), srv.URL, false)
				done <- struct{}{}
			}()
		}
		<-done
		<-done
		srv.Close()
	case "server":
		srv := newServer()
		fmt.Println(srv.URL)
		_ = srv
		// Serve until the client's /bye shut the server down (or the timeout fires).
		<-shutdownDone
		time.Sleep(100 * time.Millisecond)
	case "client":
		if *addr == "" {
			log.Fatal("client needs -addr")
		}
		runClient(newClient(), *addr, true)
		time.Sleep(100 * time.Millisecond)
	default:
		fmt.Fprintln(os.Stderr, "usage: go run . [flags] both|server|client")
		os.Exit(2)
	}
}
