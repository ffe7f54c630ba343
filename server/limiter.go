package server

import (
	"sync"
	"time"
)

// limiter counts events per key in fixed windows and blocks a key that
// reaches max within one window until the window ends. It guards login:
// per address (every attempt) and per account (every failure).
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	now    func() time.Time
	hits   map[string]*window
}

type window struct {
	count int
	start time.Time
}

func newLimiter(max int, per time.Duration, now func() time.Time) *limiter {
	return &limiter{max: max, window: per, now: now, hits: map[string]*window{}}
}

// blocked reports whether key is blocked and for how long.
func (l *limiter) blocked(key string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.current(key)
	if w == nil || w.count < l.max {
		return 0, false
	}
	return w.start.Add(l.window).Sub(l.now()), true
}

// hit counts one event for key.
func (l *limiter) hit(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.current(key)
	if w == nil {
		if len(l.hits) >= 100_000 {
			l.sweep()
		}
		w = &window{start: l.now()}
		l.hits[key] = w
	}
	w.count++
}

// reset forgets key (after a successful login).
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.hits, key)
}

// current returns key's window if it has not ended. Callers hold mu.
func (l *limiter) current(key string) *window {
	w := l.hits[key]
	if w != nil && l.now().Sub(w.start) >= l.window {
		delete(l.hits, key)
		return nil
	}
	return w
}

// sweep drops ended windows so the map cannot grow without bound.
func (l *limiter) sweep() {
	now := l.now()
	for k, w := range l.hits {
		if now.Sub(w.start) >= l.window {
			delete(l.hits, k)
		}
	}
}
