import assert from 'node:assert/strict';
import { test } from 'node:test';
import { admin, apis, email } from '../lib/klaviyo.mjs';

const { lists, profiles } = apis();

async function subscriptionOf(address) {
  const found = await profiles.getProfiles({ filter: `equals(email,"${address}")`, additionalFieldsProfile: ['subscriptions'] });
  return found.body.data[0];
}

test('bulkSubscribeProfiles to a double opt-in list stays pending until confirmed; then unsubscribe', async () => {
  const list = await lists.createList({ data: { type: 'list', attributes: { name: 'Newsletter' } } });
  const listId = list.body.data.id;
  const address = email('reader');
  const subscribed = await profiles.bulkSubscribeProfiles({
    data: {
      type: 'profile-subscription-bulk-create-job',
      attributes: {
        profiles: { data: [{ type: 'profile', attributes: { email: address, subscriptions: { email: { marketing: { consent: 'SUBSCRIBED' } } } } }] },
      },
      relationships: { list: { data: { type: 'list', id: listId } } },
    },
  });
  assert.equal(subscribed.response.status, 202);

  const pending = await subscriptionOf(address);
  assert.equal(pending.attributes.subscriptions.email.marketing.consent, 'NEVER_SUBSCRIBED');
  assert.equal((await lists.getProfilesForList(listId)).body.data.length, 0);

  const confirmed = await admin('confirm', { profile: address, list_id: listId });
  assert.equal(confirmed.confirmed, 1);
  const member = await subscriptionOf(address);
  assert.equal(member.attributes.subscriptions.email.marketing.consent, 'SUBSCRIBED');
  assert.equal(member.attributes.subscriptions.email.marketing.canReceiveEmailMarketing, true);
  assert.deepEqual((await lists.getProfilesForList(listId)).body.data.map((p) => p.id), [member.id]);

  const unsubscribed = await profiles.bulkUnsubscribeProfiles({
    data: {
      type: 'profile-subscription-bulk-delete-job',
      attributes: {
        profiles: { data: [{ type: 'profile', attributes: { email: address, subscriptions: { email: { marketing: { consent: 'UNSUBSCRIBED' } } } } }] },
      },
    },
  });
  assert.equal(unsubscribed.response.status, 202);
  const after = await subscriptionOf(address);
  assert.equal(after.attributes.subscriptions.email.marketing.consent, 'UNSUBSCRIBED');
});
