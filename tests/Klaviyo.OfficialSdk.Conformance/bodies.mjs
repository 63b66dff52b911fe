// Prints, as one JSON object, the request bodies Klaviyo's official SDK sends for a fixed profile and event.
// A local recorder stands in for Klaviyo, so the bodies are exactly what the SDK put on the wire. The .NET test
// (OfficialSdkTests) sends the same data with Klaviyo.Destinations and compares the two.
import { createServer } from 'node:http';
import { ApiKeySession, EventsApi, ProfilesApi } from 'klaviyo-api';

const recorded = {};
const server = createServer((request, response) => {
  let text = '';
  request.on('data', (chunk) => { text += chunk; });
  request.on('end', () => {
    const path = request.url.split('?')[0];
    recorded[`${request.method} ${path}`] = { contentType: request.headers['content-type'], body: JSON.parse(text) };
    if (path === '/api/profile-import') {
      response.writeHead(201, { 'content-type': 'application/vnd.api+json' });
      response.end(JSON.stringify({ data: { type: 'profile', id: '01JCONFORMANCE0000000000000', attributes: {} } }));
    } else {
      response.writeHead(202);
      response.end();
    }
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const session = new ApiKeySession('pk_bodies');
const profiles = new ProfilesApi(session);
const events = new EventsApi(session);
profiles.basePath = events.basePath = `http://127.0.0.1:${server.address().port}`;

const person = {
  email: 'ada@example.com',
  externalId: 'user-42',
  phoneNumber: '+14155550100',
  firstName: 'Ada',
  lastName: 'Lovelace',
  location: { city: 'London', country: 'United Kingdom' },
  properties: { plan: 'pro' },
};
await profiles.createOrUpdateProfile({ data: { type: 'profile', attributes: person } });
await events.createEvent({
  data: {
    type: 'event',
    attributes: {
      // Segment's Klaviyo destination keeps revenue and currency as properties beside value/value_currency.
      properties: { plan: 'pro', seats: 3, revenue: 49.5, currency: 'USD' },
      time: new Date('2026-03-04T05:06:07.089Z'),
      value: 49.5,
      valueCurrency: 'USD',
      uniqueId: 'msg-1',
      metric: { data: { type: 'metric', attributes: { name: 'Signed Up' } } },
      profile: { data: { type: 'profile', attributes: { email: person.email, externalId: person.externalId, phoneNumber: person.phoneNumber } } },
    },
  },
});
server.close();
process.stdout.write(JSON.stringify(recorded));
