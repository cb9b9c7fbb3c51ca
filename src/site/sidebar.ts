/**
 * The docs sidebar: the three sections in order, each listing its folder of
 * pages (ordered by frontmatter sidebar.order), and the usage report pages,
 * which are built from the ledger rather than written in Markdown.
 * astro.config.mjs uses it; the structure tests read it.
 */

export const SECTIONS = [
  { label: 'End user', directory: 'end_user' },
  { label: 'Architecture', directory: 'architecture' },
  { label: 'Runbook', directory: 'runbook' },
] as const;

export const USAGE_REPORT_LINKS = [
  { label: 'Usage overview', link: '/runbook/usage/' },
  { label: 'Usage by session', link: '/runbook/usage/sessions/' },
  { label: 'Errors', link: '/runbook/usage/errors/' },
] as const;

export const sidebar = SECTIONS.map((section) => ({
  label: section.label,
  items: [
    { autogenerate: { directory: section.directory } },
    ...(section.directory === 'runbook' ? [{ label: 'Usage reports', items: USAGE_REPORT_LINKS.map((entry) => ({ ...entry })) }] : []),
  ],
}));
