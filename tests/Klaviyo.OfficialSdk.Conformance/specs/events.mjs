import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apis, email } from '../lib/klaviyo.mjs';

const { events, profiles } = apis();

test('createEvent (202), then getEvents with included metric and profile, and getEvent by id', async () => {
  const address = email('buyer');
  const created = await events.createEvent({
    data: {
      type: 'event',
      attributes: {
        properties: { orderId: 'o-1', items: ['a', 'b'] },
        metric: { data: { type: 'metric', attributes: { name: 'Placed Order' } } },
        profile: { data: { type: 'profile', attributes: { email: address } } },
        value: 42.5,
        uniqueId: 'o-1',
        time: new Date('2026-01-02T03:04:05Z'),
      },
    },
  });
  assert.equal(created.response.status, 202);

  const person = await profiles.getProfiles({ filter: `equals(email,"${address}")` });
  const profileId = person.body.data[0].id;
  const list = await events.getEvents({ filter: `equals(profile_id,"${profileId}")`, include: ['metric', 'profile'] });
  assert.equal(list.body.data.length, 1);
  const event = list.body.data[0];
  assert.equal(event.attributes.eventProperties.orderId, 'o-1');
  const metric = list.body.included.find((r) => r.type === 'metric');
  assert.equal(metric.attributes.name, 'Placed Order');
  assert.ok(metric.links.self, 'included resources carry links');
  assert.ok(list.body.included.find((r) => r.type === 'profile').links.self);

  const one = await events.getEvent(event.id, { include: ['metric'] });
  assert.equal(one.body.data.id, event.id);
  assert.equal(one.body.included[0].attributes.name, 'Placed Order');

  const dated = await events.getEvents({ filter: `equals(profile_id,"${profileId}"),greater-or-equal(datetime,2026-01-01T00:00:00Z)`, sort: '-datetime' });
  assert.equal(dated.body.data.length, 1);
});

test('bulkCreateEvents (202) records every event', async () => {
  const address = email('bulk-events');
  const answer = await events.bulkCreateEvents({
    data: {
      type: 'event-bulk-create-job',
      attributes: {
        eventsBulkCreate: {
          data: [{
            type: 'event-bulk-create',
            attributes: {
              profile: { data: { type: 'profile', attributes: { email: address } } },
              events: {
                data: [1, 2, 3].map((n) => ({
                  type: 'event',
                  attributes: {
                    properties: { n },
                    metric: { data: { type: 'metric', attributes: { name: 'Viewed Product' } } },
                    uniqueId: `v-${n}`,
                  },
                })),
              },
            },
          }],
        },
      },
    },
  });
  assert.equal(answer.response.status, 202);
  const person = await profiles.getProfiles({ filter: `equals(email,"${address}")` });
  const list = await events.getEvents({ filter: `equals(profile_id,"${person.body.data[0].id}")` });
  assert.equal(list.body.data.length, 3);
});
