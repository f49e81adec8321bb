package scaledata

import (
	"fmt"
	"math"
)

// plan is the skeleton of the help desk, decided in Go before any SQL
// runs: how many tickets each company and each contact owns. Everything
// else (which ticket IDs, texts, times, stages) is derived in SQL from
// hashes of the row numbers.
type plan struct {
	tickets   int
	companies int
	// Contacts in ID order (contact i+1 is index i): primary company (0
	// for none), the number of tickets it opened, and the first slot of
	// its run in the slot sequence that the ticket shuffle maps onto IDs.
	contactCompany []int64
	contactTickets []int64
	contactStart   []int64
	noCompanyFirst int64 // first contact without a company
	heavy          int64 // contact ID of the Heavy persona
	heavyCompany   int64
	orgCompany     int64
	heavyTickets   int
	orgTickets     int
	staff          int // agents; staff user 1 is the admin
}

// Minimum size of a run; below it the proportions stop making sense.
const minTickets = 10_000

func newPlan(t int) (*plan, error) {
	if t < minTickets {
		return nil, fmt.Errorf("scaledata: at least %d tickets, not %d", minTickets, t)
	}
	p := &plan{
		tickets:      t,
		companies:    max(t/50, 10),
		heavyTickets: max(t*3/1000, 5),
		orgTickets:   max(t*3/100, 20),
		staff:        max(min(t/100_000, 20), 4),
	}
	nContacts := max(t/5, 50)
	nNone := nContacts / 10
	nWith := nContacts - nNone

	// Contacts without a company: 1 to 4 tickets each.
	noneTickets := make([]int64, nNone)
	tNone := 0
	for i := range noneTickets {
		noneTickets[i] = 1 + int64(mix(uint64(i), 1)%4)
		tNone += int(noneTickets[i])
	}
	tWith := t - tNone

	// Company sizes, in size order: the Org company first (the largest),
	// the Heavy contact's company last (a small company plus the Heavy
	// contact's own tickets), and a power law in between, at least
	// minCompany each, with the second largest about half the first.
	const minCompany = 3
	const alpha = 1.5
	heavyCoOthers := []int64{2, 2} // the Heavy contact's two colleagues
	heavyCoSize := p.heavyTickets + 4
	rest := p.companies - 2
	pool := tWith - p.orgTickets - heavyCoSize - minCompany*rest
	if pool < 0 {
		return nil, fmt.Errorf("scaledata: %d tickets are too few for %d companies", t, p.companies)
	}
	var sizes []int
	for c0 := 0.5; ; c0 *= 1.25 {
		w := make([]float64, rest)
		for i := range w {
			w[i] = math.Pow(float64(i+1)+c0, -alpha)
		}
		sizes = apportion(pool, w)
		if sizes[0]+minCompany <= p.orgTickets/2 || c0 > 1e6 {
			break
		}
	}
	size := make([]int, 0, p.companies)
	size = append(size, p.orgTickets)
	for _, s := range sizes {
		size = append(size, s+minCompany)
	}
	size = append(size, heavyCoSize)

	// Contacts per company: one each, and the rest in proportion to the
	// company's tickets beyond its first. The Heavy company has three.
	w := make([]float64, p.companies)
	for i := range p.companies - 1 {
		w[i] = float64(size[i] - 1)
	}
	extra := apportion(nWith-(p.companies-1)-len(heavyCoOthers)-1, w)
	members := make([]int, p.companies)
	for i := range members {
		members[i] = 1 + extra[i]
		if members[i] > size[i] {
			return nil, fmt.Errorf("scaledata: company of %d tickets with %d contacts", size[i], members[i])
		}
	}
	members[p.companies-1] = 1 + len(heavyCoOthers)

	// Company IDs are a permutation of the size order, so that the big
	// companies are not simply the first IDs; contacts get consecutive
	// IDs company by company, in company ID order.
	step := coprime(p.companies)
	idOf := func(i int) int64 { return int64((i*step+p.companies/3)%p.companies) + 1 }
	byID := make([]int, p.companies) // company ID - 1 → size index
	for i := range p.companies {
		byID[idOf(i)-1] = i
	}
	p.orgCompany = idOf(0)
	p.heavyCompany = idOf(p.companies - 1)
	capOther := max(p.heavyTickets*9/10, 1) // nobody but Heavy reaches Heavy's count
	for id := range p.companies {
		i := byID[id]
		var own []int64
		if i == p.companies-1 {
			p.heavy = int64(len(p.contactCompany)) + 1
			own = append([]int64{int64(p.heavyTickets)}, heavyCoOthers...)
		} else {
			m := members[i]
			w := make([]float64, m)
			for j := range w {
				w[j] = 1 / float64(j+1)
			}
			for _, n := range apportionCapped(size[i]-m, w, capOther-1) {
				own = append(own, int64(n)+1)
			}
		}
		for _, n := range own {
			p.contactCompany = append(p.contactCompany, int64(id)+1)
			p.contactTickets = append(p.contactTickets, n)
		}
	}
	p.noCompanyFirst = int64(len(p.contactCompany)) + 1
	for _, n := range noneTickets {
		p.contactCompany = append(p.contactCompany, 0)
		p.contactTickets = append(p.contactTickets, n)
	}
	var start, sum int64
	for _, n := range p.contactTickets {
		p.contactStart = append(p.contactStart, start)
		start += n
		sum += n
	}
	if sum != int64(t) || len(p.contactCompany) != nContacts {
		return nil, fmt.Errorf("scaledata: plan has %d tickets and %d contacts, want %d and %d", sum, len(p.contactCompany), t, nContacts)
	}
	return p, nil
}

// apportion splits total into integer shares proportional to w, by
// cumulative rounding, so that the shares add up to total exactly.
func apportion(total int, w []float64) []int {
	out := make([]int, len(w))
	var sum float64
	for _, x := range w {
		sum += x
	}
	if total <= 0 || sum == 0 {
		return out
	}
	var cum float64
	prev := 0
	for i, x := range w {
		cum += x
		cur := int(math.Floor(cum/sum*float64(total) + 1e-9))
		if i == len(w)-1 {
			cur = total
		}
		out[i] = cur - prev
		prev = cur
	}
	return out
}

// apportionCapped is apportion with no share above limit (as long as the
// total fits): shares that would exceed it are pinned at the limit and
// the rest is split again among the others.
func apportionCapped(total int, w []float64, limit int) []int {
	pinned := make([]bool, len(w))
	out := make([]int, len(w))
	for {
		left := total
		ww := make([]float64, len(w))
		free := 0
		for i := range w {
			if pinned[i] {
				left -= limit
			} else {
				ww[i] = w[i]
				free++
			}
		}
		a := apportion(left, ww)
		over := false
		for i := range w {
			if pinned[i] {
				out[i] = limit
				continue
			}
			out[i] = a[i]
			if a[i] > limit && free > 1 {
				pinned[i], over = true, true
			}
		}
		if !over {
			return out
		}
	}
}

// coprime returns a multiplier that permutes 0..n-1 (i*m mod n).
func coprime(n int) int {
	for m := n*618/1000 + 1; ; m++ {
		if gcd(m, n) == 1 {
			return m
		}
	}
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// mix is splitmix64's finalizer: a fixed, well-spread hash.
func mix(x, seed uint64) uint64 {
	x += seed*0x9e3779b97f4a7c15 + 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
