// Command meridian-chaoslink runs a chaos link: a TCP proxy between Meridian
// regions (or a client and a server) whose faults — cuts, delay, bandwidth,
// connection resets — are switched at run time over a line-based control
// port. See package tools/chaoslink for the semantics of each fault.
//
//	meridian-chaoslink --listen 127.0.0.1:7001 --upstream 127.0.0.1:6379 --control 127.0.0.1:7101
//
// Then, for example: printf 'cut both\n' | nc -q1 127.0.0.1 7101
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/meridiandb/meridian/tools/chaoslink"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:7001", "address the link accepts connections on")
	upstream := flag.String("upstream", "127.0.0.1:6379", "address every connection is forwarded to")
	control := flag.String("control", "127.0.0.1:7101", "address of the line-based control port (empty: none)")
	flag.Parse()

	l, err := chaoslink.New(*listen, *upstream)
	if err != nil {
		fmt.Fprintln(os.Stderr, "meridian-chaoslink:", err)
		os.Exit(1)
	}
	var cl net.Listener
	if *control != "" {
		if cl, err = net.Listen("tcp", *control); err != nil {
			l.Close()
			fmt.Fprintln(os.Stderr, "meridian-chaoslink: control:", err)
			os.Exit(1)
		}
		go l.ServeControl(cl)
	}
	fmt.Fprintf(os.Stderr, "meridian-chaoslink: %s -> %s, control %s\n", l.Addr(), *upstream, *control)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	if cl != nil {
		cl.Close()
	}
	l.Close()
}
