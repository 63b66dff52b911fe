#!/usr/bin/env bash
# Two replicas of an ASP.NET Core app (samples/Klaviyo.Destinations.ScaleOutSample) share one Klaviyo rate budget and one
# durable queue in Redis (Klaviyo:QueueStorage = Redis), in front of the local emulator. Customers identify and place
# orders through both replicas in turn; halfway, the replica holding the queue's partitions is killed with `kill -9`,
# and the other one takes its partitions over and delivers what it left. Run from the repository root after
# `dotnet build -c Release`. Needs redis-server (apt-get install -y redis-server), redis-cli and curl.
# Measured on a shared 2-core machine (200 customers, ~50 s in all): the killed replica held all 16 partitions and 34
# unfinished items; the other took them over and Klaviyo showed 200 profiles, 200 Placed Order and 200 Ordered Product
# events, none twice, with 0 entries left in the streams.
# Ports: REDIS_PORT (6391), EMULATOR_PORT (5091), replicas on REPLICA_PORT and REPLICA_PORT+1 (5101, 5102).
set -euo pipefail
cd "$(dirname "$0")/../.."
cli=src/Klaviyo.Destinations.Cli/bin/Release/net10.0/klaviyo-dest.dll
app=samples/Klaviyo.Destinations.ScaleOutSample/bin/Release/net10.0/Klaviyo.Destinations.ScaleOutSample.dll
[ -f "$cli" ] && [ -f "$app" ] || { echo "Build first: dotnet build -c Release" >&2; exit 2; }
command -v redis-server >/dev/null || { echo "redis-server is not installed (apt-get install -y redis-server)" >&2; exit 2; }
redis_port=${REDIS_PORT:-6391}
emulator_port=${EMULATOR_PORT:-5091}
replica_port=${REPLICA_PORT:-5101}
customers=${CUSTOMERS:-200}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# Redis with the append-only file on (fsync every second: a Redis crash loses nothing acknowledged, a power cut up to ~1 s).
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work" --save "" --appendonly yes --appendfsync everysec --logfile "$work/redis.log" &
pids+=($!)
dotnet "$cli" emulator --port "$emulator_port" > "$work/emulator.log" 2>&1 &
pids+=($!)
until grep -q "listening" "$work/emulator.log" 2>/dev/null && grep -q "Ready to accept" "$work/redis.log" 2>/dev/null; do sleep 0.2; done

# Each replica is configured the way a container is: environment variables over its appsettings.json.
replica_pids=()
for k in 1 2; do
  port=$((replica_port + k - 1))
  (cd "$(dirname "$app")" && \
    ASPNETCORE_URLS="http://127.0.0.1:$port" \
    Klaviyo__ApiKey=pk_two_app_replicas \
    Klaviyo__BaseUrl="http://127.0.0.1:$emulator_port/" \
    Klaviyo__QueueStorage=Redis \
    Klaviyo__Redis__Configuration="127.0.0.1:$redis_port" \
    Klaviyo__Redis__Queue__LeaseDuration=00:00:03 \
    exec dotnet "$(basename "$app")" > "$work/replica-$k.log" 2>&1) &
  replica_pids+=($!)
  pids+=($!)
done
for k in 1 2; do
  until curl -sf "http://127.0.0.1:$((replica_port + k - 1))/alive" >/dev/null; do sleep 0.2; done
done
for k in 1 2; do echo "replica $k (port $((replica_port + k - 1))): $(curl -s "http://127.0.0.1:$((replica_port + k - 1))/replica")"; done

countries=(US GB DE FR BR JP IN AU)
phones=("+1 415 555 %04d" "+44 20 7946 %04d" "+49 30 1200%04d" "+33 4 72 00 %04d" "+55 11 9%04d 1234" "+81 6 6000 %04d" "+91 98765%05d" "+61 3 9000 %04d")
post() { # port path json -> HTTP status
  curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "$3" "http://127.0.0.1:$1/$2"
}
shop() { # customer number, replica port
  local i=$1 port=$2 c=$(( $1 % 8 ))
  local phone; phone=$(printf "${phones[$c]}" "$i")
  post "$port" identify "{\"userId\":\"cust-$i\",\"email\":\"customer.$i@example.com\",\"firstName\":\"Customer\",\"lastName\":\"No. $i\",\"phone\":\"$phone\",\"country\":\"${countries[$c]}\",\"messageId\":\"identify-cust-$i\"}" >/dev/null
  post "$port" orders "{\"userId\":\"cust-$i\",\"orderId\":\"ord-$i\",\"currency\":\"USD\",\"products\":[{\"productId\":\"p-$((i % 6))\",\"sku\":\"SKU-$((i % 6))\",\"name\":\"Product $((i % 6))\",\"price\":$((10 + i % 90)).50,\"quantity\":$((1 + i % 3))}],\"messageId\":\"order-ord-$i\"}" >/dev/null
}

half=$((customers / 2))
echo "Customers 1..$half through both replicas in turn:"
for i in $(seq 1 "$half"); do shop "$i" $((replica_port + i % 2)); done
victim=1
[ "$(curl -s "http://127.0.0.1:$((replica_port + 1))/replica" | grep -o '"partitions":\[[^]]*\]' | tr -cd ',' | wc -c)" -gt \
  "$(curl -s "http://127.0.0.1:$replica_port/replica" | grep -o '"partitions":\[[^]]*\]' | tr -cd ',' | wc -c)" ] && victim=2
echo "kill -9 replica $victim (it holds: $(curl -s "http://127.0.0.1:$((replica_port + victim - 1))/replica"))"
kill -9 "${replica_pids[$((victim - 1))]}"
wait "${replica_pids[$((victim - 1))]}" 2>/dev/null || true
survivor=$((3 - victim))
survivor_port=$((replica_port + survivor - 1))
echo "Customers $((half + 1))..$customers through replica $survivor:"
for i in $(seq $((half + 1)) "$customers"); do shop "$i" "$survivor_port"; done

echo -n "Waiting for Klaviyo to show every customer and order"
for _ in $(seq 1 300); do
  curl -s "http://127.0.0.1:$emulator_port/_emulator/state" | tr -d ' \n' > "$work/state.json"
  profiles=$(grep -o '"identifiers":' "$work/state.json" | wc -l)
  orders=$(grep -o '"metric":"PlacedOrder"' "$work/state.json" | wc -l)
  [ "$profiles" -ge "$customers" ] && [ "$orders" -ge "$customers" ] && break
  echo -n "."; sleep 0.5
done
echo
echo "replica $survivor now: $(curl -s "http://127.0.0.1:$survivor_port/replica")"
echo "replica $survivor health: $(curl -s "http://127.0.0.1:$survivor_port/health" | grep -o '"status":"[A-Za-z]*"' | head -1)"
echo "Profiles in the emulator: $profiles (expected $customers); Placed Order events: $orders (expected $customers); ordered products: $(grep -o '"metric":"OrderedProduct"' "$work/state.json" | wc -l)"
echo "Events visible more than once (same unique_id): $(grep -o '"unique_id":"[^"]*"' "$work/state.json" | sort | uniq -d | wc -l) (an item the killed replica had sent but not yet acknowledged is sent again; Klaviyo keeps one per unique_id)"
echo "Entries left in the queue's streams: $(for k in $(redis-cli -p "$redis_port" --scan --pattern '{klaviyo:queue:*:p:*}'); do redis-cli -p "$redis_port" xlen "$k"; done | awk '{ s += $1 } END { print s + 0 }')"
echo "Shared rate budget keys in Redis: $(redis-cli -p "$redis_port" --scan --pattern 'klaviyo:rate:*' | sed -E 's/.*\{[^:]*:([^}]*)\}.*/\1/' | sort -u | paste -sd' ')"
