/** Tailwind CSS v3 configuration for the Portico portal. */
module.exports = {
  // The ticket list's rows are written in Go, with component classes.
  content: ['./views/**/*.html', './app/web/core/list_html.go'],
  theme: {
    extend: {
      colors: {
        brand: 'rgb(var(--brand) / <alpha-value>)',
        'brand-contrast': 'rgb(var(--brand-contrast) / <alpha-value>)',
        accent: 'rgb(var(--accent) / <alpha-value>)',
        'accent-text': 'rgb(var(--accent-text) / <alpha-value>)',
      },
      // One brand colour, a shade per use: `bg-brand` is the chosen colour
      // (under `text-brand-contrast`), while `text-brand` (links) and
      // `ring-brand` / `border-brand` (focus) take the shades that keep
      // their contrast on the page's light backgrounds.
      textColor: {
        brand: 'rgb(var(--brand-text) / <alpha-value>)',
      },
      ringColor: {
        brand: 'rgb(var(--brand-ring) / <alpha-value>)',
      },
      borderColor: {
        brand: 'rgb(var(--brand-ring) / <alpha-value>)',
      },
      outlineColor: {
        brand: 'rgb(var(--brand-ring) / <alpha-value>)',
      },
      fontFamily: {
        sans: [
          'ui-sans-serif',
          'system-ui',
          '-apple-system',
          '"Segoe UI"',
          'Roboto',
          '"Helvetica Neue"',
          'Arial',
          'sans-serif',
        ],
      },
    },
  },
  plugins: [],
};
