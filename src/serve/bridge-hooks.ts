// What the server calls as leads and webhooks are committed: wake the bridge's loop, pointing it
// at the changed contact.
import { contactOfEvent, type BridgeLoop } from '../bridge/index.ts';
import type { ServeOptions } from './server.ts';

export function bridgeHooks(loop: BridgeLoop): Pick<ServeOptions, 'onLead' | 'onEvent'> {
  return {
    onLead: () => loop.wake(),
    onEvent: ({ event, foreign }) => {
      if (foreign) return; // a location this mirror does not sync: nothing to report
      const contactId = contactOfEvent(event);
      if (contactId) loop.contactsChanged([contactId]);
      else loop.wake();
    },
  };
}
