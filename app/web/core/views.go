package core

import (
	"fmt"
	"html/template"
	"io"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
	"github.com/valyala/bytebufferpool"
)

// layoutBody is the key under which a layout finds the page it wraps.
const layoutBody = "LayoutBody"

// views renders the parsed templates for Fiber. The engine's own Render
// changes the template set's shared "embed" function on every call (and
// takes one lock for every page with a layout), so two requests rendered
// at once could see each other's page; views executes the templates
// directly and hands a layout its page as data.
type views struct {
	*html.Engine
}

// Render implements fiber.Views. A layout is rendered around the page's
// HTML, which it prints with {{.LayoutBody}}.
func (v views) Render(out io.Writer, name string, binding any, layout ...string) error {
	t := v.Templates.Lookup(name)
	if t == nil {
		return fmt.Errorf("web: no template %q", name)
	}
	if len(layout) == 0 || layout[0] == "" {
		return t.Execute(out, binding)
	}
	lay := v.Templates.Lookup(layout[0])
	if lay == nil {
		return fmt.Errorf("web: no layout %q", layout[0])
	}
	m, ok := binding.(fiber.Map)
	if !ok {
		return fmt.Errorf("web: the data of %q, rendered in a layout, is a %T, not a map", name, binding)
	}
	buf := bytebufferpool.Get()
	defer bytebufferpool.Put(buf)
	if err := t.Execute(buf, binding); err != nil {
		return err
	}
	m[layoutBody] = template.HTML(buf.String()) //nolint:gosec // the page's own escaped output
	return lay.Execute(out, m)
}
