// @ts-check
import { defineConfig } from 'astro/config';
import starlight from '@astrojs/starlight';
import mdx from '@astrojs/mdx';
import { sidebar } from './src/site/sidebar.ts';

export default defineConfig({
  integrations: [
    starlight({
      title: 'Token Ledger',
      description: 'See what your AI coding agents spend: an append-only CSV ledger fed by IDE hooks, with usage reports.',
      sidebar,
    }),
    mdx(),
  ],
});
