package host

import (
	"os"
	"regexp"
	"testing"
)

func TestDescribe(t *testing.T) {
	bin, err := os.Executable() // a Go binary, as the server is
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		more []string
		want string
	}{
		{"the server alone", nil, `^machine: \d+ CPUs \(.+\), \w+/\w+, server built with go[\d.]+\S*; load average \S+( \S+ \S+)?\n$`},
		{"and the load generator", []string{"wrk 4.1.0"},
			`^machine: \d+ CPUs \(.+\), \w+/\w+, server built with go[\d.]+\S*, wrk 4\.1\.0; load average \S+( \S+ \S+)?\n$`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Describe(bin, tt.more...); !regexp.MustCompile(tt.want).MatchString(got) {
				t.Errorf("Describe = %q, want it to match %s", got, tt.want)
			}
		})
	}
}
