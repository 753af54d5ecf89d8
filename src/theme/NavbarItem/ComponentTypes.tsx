/** The original navbar item types plus Opsbook's (wrapped, not ejected). */
import ComponentTypes from '@theme-original/NavbarItem/ComponentTypes';
import type { ComponentTypesObject } from '@theme/NavbarItem/ComponentTypes';
import ApprovalsNavItem from '@site/src/components/ApprovalsNavItem';
import EnvironmentPicker from '@site/src/components/EnvironmentPicker';
import LinkIndicator from '@site/src/components/LinkIndicator';
import WhoAmI from '@site/src/components/WhoAmI';

const types: ComponentTypesObject = {
  ...(ComponentTypes as ComponentTypesObject),
  'custom-approvals': ApprovalsNavItem,
  'custom-environmentPicker': EnvironmentPicker,
  'custom-whoAmI': WhoAmI,
  'custom-linkIndicator': LinkIndicator,
};

export default types;
