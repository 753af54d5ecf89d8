/** The theme's MDX components plus the elements the remark-runbook plugin emits (wrapped, not ejected). */
import MDXComponents from '@theme-original/MDXComponents';
import type { MDXComponentsObject } from '@theme/MDXComponents';
import Step from '@site/src/components/Step';
import RunnableBlock from '@site/src/components/RunnableBlock';

const components = {
  ...(MDXComponents as Exclude<MDXComponentsObject, (...args: never[]) => unknown>),
  Step,
  RunnableBlock,
};

export default components;
