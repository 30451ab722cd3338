// Text contrast as a person sees it, from colors the browser computed: WCAG 2 contrast ratios, with
// translucent colors (theme colors often are) blended over what lies beneath them.

export interface Rgba { r: number; g: number; b: number; a: number }

/** Parses `rgb()`/`rgba()` as getComputedStyle returns it, or `#rgb`/`#rrggbb`/`#rrggbbaa`. */
export function parseColor(css: string): Rgba | undefined {
  const s = css.trim();
  const rgb = /^rgba?\(([^)]+)\)$/.exec(s);
  if (rgb) {
    const [r, g, b, a = 1] = rgb[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  }
  const hex = /^#([0-9a-f]{3,8})$/i.exec(s)?.[1];
  if (!hex || ![3, 6, 8].includes(hex.length)) return undefined;
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
  const byte = (i: number) => parseInt(full.slice(i, i + 2), 16);
  return { r: byte(0), g: byte(2), b: byte(4), a: full.length === 8 ? byte(6) / 255 : 1 };
}

/** `top` painted over the opaque `bottom`. */
export function over(top: Rgba, bottom: Rgba): Rgba {
  const mix = (t: number, b: number) => Math.round(t * top.a + b * (1 - top.a));
  return { r: mix(top.r, bottom.r), g: mix(top.g, bottom.g), b: mix(top.b, bottom.b), a: 1 };
}

/**
 * The opaque color under an element: its own and its ancestors' backgrounds (innermost first), painted
 * from the outermost down over `base` (what shows through when all of them are transparent).
 */
export function backdrop(layers: Rgba[], base: Rgba): Rgba {
  return layers.reduceRight((under, layer) => over(layer, under), base);
}

function luminance({ r, g, b }: Rgba): number {
  const lin = (c: number) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG contrast ratio of text color `fg` on the opaque `bg`: 1 (none) to 21 (black on white). */
export function contrastRatio(fg: Rgba, bg: Rgba): number {
  const [l1, l2] = [luminance(over(fg, bg)), luminance(bg)].sort((x, y) => y - x);
  return (l1 + 0.05) / (l2 + 0.05);
}
