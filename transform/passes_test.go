package transform

import "testing"

func TestPassOrder(t *testing.T) {
	index := map[string]int{}
	for i, p := range Passes {
		if _, dup := index[p.Name]; dup {
			t.Errorf("pass %s is listed twice", p.Name)
		}
		index[p.Name] = i
	}
	for _, c := range passOrder {
		b, okb := index[c.before]
		a, oka := index[c.after]
		if !okb || !oka {
			t.Errorf("order constraint names an unknown pass: %s before %s", c.before, c.after)
			continue
		}
		if b >= a {
			t.Errorf("pass %s must run before %s: %s", c.before, c.after, c.why)
		}
	}
}
