// SVG to PNG without a browser: resvg (a Rust SVG renderer) through its prebuilt Node binding.
// resvg draws no text without a font it can load, so the DejaVu Sans files the charts are laid out
// for are passed explicitly; without them it scans the system's fonts; with neither, text is
// simply not drawn (the chart's marks still are).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { renderAsync } from '@resvg/resvg-js';

/** Where Debian/Ubuntu (fonts-dejavu-core) put DejaVu Sans. */
export const DEJAVU_DIR = '/usr/share/fonts/truetype/dejavu';
const DEJAVU_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSans-Oblique.ttf', 'DejaVuSans-BoldOblique.ttf'];

/** Blog images at 2x: crisp on high-density screens when shown at the SVG's own width. */
export const PNG_SCALE = 2;

export interface PngOptions {
  /** Zoom factor over the SVG's width and height (default PNG_SCALE). */
  scale?: number;
  /** Font files to load; default: the DejaVu Sans files found in DEJAVU_DIR. */
  fontFiles?: string[];
  /** Scan the system's fonts too; default: only when no font file was found. */
  loadSystemFonts?: boolean;
}

export interface RenderedPng {
  png: Buffer;
  width: number;
  height: number;
}

export function defaultFontFiles(dir = DEJAVU_DIR): string[] {
  return DEJAVU_FILES.map((file) => path.join(dir, file)).filter((file) => existsSync(file));
}

/**
 * Renders an SVG string to PNG bytes. Asynchronous (resvg renders on libuv's thread pool), so a run
 * that rewrites its report between repetitions does not stall its own samplers.
 */
export async function svgToPng(svg: string, options: PngOptions = {}): Promise<RenderedPng> {
  const scale = options.scale ?? PNG_SCALE;
  const fontFiles = (options.fontFiles ?? defaultFontFiles()).filter((file) => existsSync(file));
  const loadSystemFonts = options.loadSystemFonts ?? fontFiles.length === 0;
  const family = fontFiles.length > 0 ? 'DejaVu Sans' : undefined;
  const image = await renderAsync(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    logLevel: 'off',
    font: {
      loadSystemFonts,
      fontFiles,
      // Generic "sans-serif" in the SVG's font-family lists resolves to the loaded DejaVu Sans.
      ...(family ? { defaultFontFamily: family, sansSerifFamily: family } : {}),
    },
    shapeRendering: 2,
    textRendering: 1,
  });
  return { png: image.asPng(), width: image.width, height: image.height };
}
