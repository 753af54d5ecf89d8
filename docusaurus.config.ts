import type { Config } from '@docusaurus/types';
import type * as Preset from '@docusaurus/preset-classic';
import { themes as prismThemes } from 'prism-react-renderer';
import remarkRunbook from './plugins/remark-runbook';
import pluginOpsbook from './plugins/docusaurus-plugin-opsbook';

/**
 * Where the page finds the execution server. Empty means "same origin" (npm start serves both on one
 * port); `npm run dev` sets it because the dev server and the execution server listen on different ports.
 */
const serverUrl = process.env.OPSBOOK_SERVER_URL ?? '';

const config: Config = {
  title: 'Opsbook',
  tagline: 'Runbooks that run: role-marked steps with live SQL and Airflow',
  favicon: 'img/favicon.svg',
  url: 'http://localhost',
  baseUrl: '/',
  trailingSlash: false,
  onBrokenLinks: 'throw',
  markdown: {
    mermaid: true,
    hooks: { onBrokenMarkdownLinks: 'throw' },
  },
  future: { v4: true, faster: true },
  i18n: { defaultLocale: 'en', locales: ['en'] },
  customFields: { opsbookServer: serverUrl },
  presets: [
    [
      'classic',
      {
        docs: {
          routeBasePath: '/',
          sidebarPath: './sidebars.ts',
          remarkPlugins: [remarkRunbook],
          showLastUpdateTime: false,
        },
        blog: false,
        theme: { customCss: './src/css/custom.css' },
      } satisfies Preset.Options,
    ],
  ],
  themes: [
    '@docusaurus/theme-mermaid',
    [
      '@easyops-cn/docusaurus-search-local',
      { hashed: true, docsRouteBasePath: '/', indexBlog: false, highlightSearchTermsOnTargetPage: true },
    ],
  ],
  plugins: [pluginOpsbook],
  themeConfig: {
    colorMode: { respectPrefersColorScheme: true },
    navbar: {
      title: 'Opsbook',
      logo: { alt: 'Opsbook', src: 'img/favicon.svg' },
      items: [
        { type: 'docSidebar', sidebarId: 'runbooks', position: 'left', label: 'Runbooks' },
        { to: '/health', label: 'Health', position: 'left' },
        { to: '/operations', label: 'Operations', position: 'left' },
        { type: 'custom-approvals', position: 'left' },
        { to: '/audit', label: 'Audit', position: 'left' },
        { to: '/training', label: 'Training', position: 'left' },
        { type: 'custom-linkIndicator', position: 'right' },
        { type: 'custom-environmentPicker', position: 'right' },
        { type: 'custom-whoAmI', position: 'right' },
      ],
    },
    prism: {
      theme: prismThemes.github,
      darkTheme: prismThemes.dracula,
      additionalLanguages: ['sql', 'bash'],
    },
  } satisfies Preset.ThemeConfig,
};

export default config;
