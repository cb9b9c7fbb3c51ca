/** The docs as sources: every page of the site with its route, title, description and body. */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { PROJECT_ROOT } from './site-build.ts';

export const DOCS_DIR = join(PROJECT_ROOT, 'src/content/docs');
const PAGES_DIR = join(PROJECT_ROOT, 'src/pages');

export interface DocPage {
  route: string;
  file: string;
  title: string | undefined;
  description: string | undefined;
  /** Starlight's sidebar.hidden. */
  hidden: boolean;
  body: string;
}

function filesUnder(folder: string, pattern: RegExp): string[] {
  return (readdirSync(folder, { recursive: true }) as string[]).filter((file) => pattern.test(file)).map((file) => join(folder, file));
}

function routeOf(file: string, root: string): string {
  const path = relative(root, file).split(sep).join('/').replace(/\.(md|mdx|astro)$/, '');
  const route = path === 'index' ? '' : path.replace(/\/index$/, '');
  return route === '' ? '/' : `/${route}/`;
}

/** A frontmatter value on one line, unquoted. */
function scalar(frontmatter: string, key: string): string | undefined {
  const value = new RegExp(`^${key}:[ \\t]*(.+)$`, 'm').exec(frontmatter)?.[1]?.trim();
  return value?.replace(/^(['"])(.*)\1$/, '$2') || undefined;
}

function markdownPage(file: string): DocPage {
  const text = readFileSync(file, 'utf8');
  const match = /^---\n([\s\S]*?)\n---\n/.exec(text);
  const frontmatter = match?.[1] ?? '';
  return {
    route: routeOf(file, DOCS_DIR),
    file,
    title: scalar(frontmatter, 'title'),
    description: scalar(frontmatter, 'description'),
    hidden: /^\s+hidden:\s*true\s*$/m.test(frontmatter),
    body: text.slice(match?.[0].length ?? 0),
  };
}

/** Astro pages give their title and description as props of their page frame. */
function astroPage(file: string): DocPage {
  const text = readFileSync(file, 'utf8');
  return {
    route: routeOf(file, PAGES_DIR),
    file,
    title: /\btitle="([^"]+)"/.exec(text)?.[1],
    description: /\bdescription="([^"]+)"/.exec(text)?.[1],
    hidden: false,
    body: text,
  };
}

export function docPages(): DocPage[] {
  return [...filesUnder(DOCS_DIR, /\.mdx?$/).map(markdownPage), ...filesUnder(PAGES_DIR, /\.astro$/).map(astroPage)];
}

/** Site-internal links in a page body: Markdown links and href attributes, without fragment. */
export function linksIn(body: string): string[] {
  const links = [...body.matchAll(/\]\((\/[^)\s#]*)[^)]*\)|href="(\/[^"#]*)[^"]*"/g)].map(([, markdown, attribute]) => markdown ?? attribute ?? '');
  return links.map((link) => (link.endsWith('/') ? link : `${link}/`));
}
