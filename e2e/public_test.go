package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPublicResultsPage opens the demo's public results on a phone-sized
// screen in Chinese: the medal table, and the final CNC results with
// medals; the skills still marking say so.
func TestPublicResultsPage(t *testing.T) {
	s := startServer(t)
	ctx := newBrowser(t, 390, 844)
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/results/1?lang=zh-Hans"), chromedp.WaitVisible("table.medals")); err != nil {
		t.Fatal(err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#skill-CNC tbody tr").length`))
	if err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text("main"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"奖牌榜", "金牌", "广东", "成绩尚未确定", "standardised = 700"} {
		if !strings.Contains(text, want) {
			t.Errorf("public results lack %q", want)
		}
	}
	if rows != 10 {
		t.Errorf("CNC shows %d rows, want its 10 competitors", rows)
	}
	shot(t, ctx, "public-results-zh-Hans-phone")
}
