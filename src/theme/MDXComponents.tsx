/** The theme's MDX components plus the elements the remark-runbook plugin emits (wrapped, not ejected). */
import MDXComponents from '@theme-original/MDXComponents';
import type { MDXComponentsObject } from '@theme/MDXComponents';
import Step from '@site/src/components/Step';
import RunnableBlock from '@site/src/components/RunnableBlock';
import RunAllChecks from '@site/src/components/RunAllChecks';
import EscalationLadder from '@site/src/components/EscalationLadder';
import OnCall from '@site/src/components/OnCall';

const components = {
  ...(MDXComponents as Exclude<MDXComponentsObject, (...args: never[]) => unknown>),
  Step,
  RunnableBlock,
  RunAllChecks,
  EscalationLadder,
  OnCall,
};

export default components;
