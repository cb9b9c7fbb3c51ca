// @ts-check
import { defineConfig } from 'astro/config';
import starlight from '@astrojs/starlight';
import mdx from '@astrojs/mdx';

export default defineConfig({
  integrations: [
    starlight({
      title: 'Token Ledger',
      description: 'See what your AI coding agents spend: an append-only CSV ledger fed by IDE hooks, with usage reports.',
      sidebar: [
        { label: 'End user', items: [{ autogenerate: { directory: 'end_user' } }] },
        { label: 'Architecture', items: [{ autogenerate: { directory: 'architecture' } }] },
        { label: 'Runbook', items: [{ autogenerate: { directory: 'runbook' } }] },
      ],
    }),
    mdx(),
  ],
});
