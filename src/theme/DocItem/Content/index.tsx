/** The doc page's content, with the operation bar and the deep-link notice above it (wrapped, not ejected). */
import type { ReactNode } from 'react';
import Content from '@theme-original/DocItem/Content';
import type ContentType from '@theme/DocItem/Content';
import type { WrapperProps } from '@docusaurus/types';
import DeepLinkNotice from '@site/src/components/DeepLinkNotice';
import OperationBar from '@site/src/components/Operations/OperationBar';

type Props = WrapperProps<typeof ContentType>;

export default function ContentWrapper(props: Props): ReactNode {
  return (
    <>
      <OperationBar />
      <DeepLinkNotice />
      <Content {...props} />
    </>
  );
}
