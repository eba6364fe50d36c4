// Command meridian-floor is a do-nothing RESP server on gnet v2: the network
// floor a real Meridian server is measured against. See package bench/floor.
//
//	meridian-floor [--port 6380] [--bind 127.0.0.1] [--loops NumCPU] [--reuseport]
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"

	"github.com/meridiandb/meridian/bench/floor"
)

func main() {
	port := flag.Int("port", 6380, "TCP port to listen on")
	bind := flag.String("bind", "127.0.0.1", "address to bind")
	loops := flag.Int("loops", runtime.NumCPU(), "number of gnet event loops")
	reusePort := flag.Bool("reuseport", false, "one SO_REUSEPORT listener per event loop instead of a single acceptor")
	quiet := flag.Bool("quiet", false, "suppress gnet's informational logging")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := floor.Config{
		Addr:      net.JoinHostPort(*bind, strconv.Itoa(*port)),
		Loops:     *loops,
		ReusePort: *reusePort,
		Quiet:     *quiet,
	}
	if err := floor.ListenAndServe(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "meridian-floor:", err)
		os.Exit(1)
	}
}
