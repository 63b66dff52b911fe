#!/usr/bin/env bash
# What the package's generator and analyzers add to an incremental `dotnet build` of a 300-model app.
#
# Packs the package from this repository (Release), writes the same app twice — 300 annotated models in 30 files (profiles
# with a nested address, events with a product list) and a service file with 300 Identify/Track calls — once referencing the
# package normally and once with ExcludeAssets="analyzers" (same compile references, no generator, no analyzers), builds
# both once, then REPS times edits the service file of both apps (a method body no model depends on) and runs
# `dotnet build --no-restore`, alternating which app goes first. Per build it prints the wall time, the CPU time of the
# build's processes (user + system) and the Csc task's time, then the medians and the differences with − without.
#
#   SHARED=0 (default): csc runs in the build's own process (UseSharedCompilation=false), so its CPU time is counted.
#            This is the robust figure on a loaded machine, and an upper bound: the generator starts cold every build
#            and the compiler and our assemblies are JIT-compiled every build.
#   SHARED=1: the normal developer build through the compiler server, which keeps the generator's cached state between
#            builds; the server is outside the build's process tree, so only wall time means something — run it on a
#            quiet machine.
#
# Usage: tests/Klaviyo.Destinations.Benchmarks/build-cost.sh          (MODELS=300 REPS=6 SHARED=0 EDIT=service)
#        SHARED=1 REPS=10 tests/Klaviyo.Destinations.Benchmarks/build-cost.sh
#        EDIT=model ...          edits one model (adds a member) instead of the service file
#        REPORT_ANALYZER=1 ...   also prints csc's per-analyzer/generator times (-p:ReportAnalyzer=true) for one more build
# Offline: the apps restore from the freshly packed local feed and the machine's NuGet cache; the packed version is
# removed from the cache at the end.
set -euo pipefail

MODELS=${MODELS:-300}
REPS=${REPS:-6}
SHARED=${SHARED:-0}
shared_arg="-p:UseSharedCompilation=false"
[[ $SHARED == 1 ]] && shared_arg="-p:UseSharedCompilation=true"
EDIT=${EDIT:-service}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/klaviyo-build-cost-XXXXXX")
version="0.0.0-buildcost$(date +%s)"
cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}/klaviyo.destinations/$version"
cleanup() { rm -rf "$work" "$cache"; }
trap cleanup EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1

echo "# building and packing the package ($version)" >&2
dotnet build "$root/src/Klaviyo.Destinations/Klaviyo.Destinations.csproj" -c Release -v:q -nologo >&2
dotnet pack "$root/src/Klaviyo.Destinations/Klaviyo.Destinations.csproj" -c Release --no-build -v:q -nologo \
  -o "$work/feed" "-p:PackageVersion=$version" >&2

write_app() { # $1 = directory, $2 = extra PackageReference attributes
  local dir=$1
  mkdir -p "$dir"
  cat > "$dir/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration><packageSources><clear /><add key="local" value="$work/feed" /></packageSources></configuration>
EOF
  echo "<Project />" > "$dir/Directory.Build.props"
  echo "<Project />" > "$dir/Directory.Packages.props"
  cat > "$dir/Shop.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
    <NoWarn>\$(NoWarn);NU1603</NoWarn>
  </PropertyGroup>
  <ItemGroup><PackageReference Include="Klaviyo.Destinations" Version="$version" $2 /></ItemGroup>
</Project>
EOF
  local file i
  for ((file = 0; file * 10 < MODELS; file++)); do
    {
      printf 'using Klaviyo.Destinations;\nnamespace Shop.Models;\n'
      for ((i = file * 10; i < file * 10 + 10 && i < MODELS; i++)); do
        if ((i % 2 == 0)); then
          printf 'public sealed record Address%d(string Street, string City, string State, string PostalCode, string Country);\n' "$i"
          printf '[KlaviyoProfile] public sealed record Customer%d(string Email, string? FirstName, string? LastName, string? Phone, Address%d? Address, [CustomProperty] int Points, [CustomProperty("plan")] string? Plan, [CustomProperty] DateTimeOffset? SignedUpAt, [NotMapped] string? Secret);\n' "$i" "$i"
        else
          printf 'public sealed record Line%d(string ProductId, string Sku, string Name, decimal Price, int Quantity, string? Url);\n' "$i"
          printf '[KlaviyoEvent("Order %d")] public sealed record Order%d(string OrderId, decimal Revenue, string Currency, string? Coupon, int ItemCount, IReadOnlyList<Line%d> Products, DateTime Timestamp);\n' "$i" "$i" "$i"
        fi
      done
    } > "$dir/Models$file.cs"
  done
  {
    printf 'using Klaviyo.Destinations;\nusing Shop.Models;\nnamespace Shop;\npublic static class Service\n{\n    public static int Answer() => 0;\n'
    for ((i = 0; i < MODELS; i++)); do
      if ((i % 2 == 0)); then printf '    public static void Send%d(Analytics a, Customer%d c) => a.Identify("user-%d", c);\n' "$i" "$i" "$i"
      else printf '    public static void Send%d(Analytics a, Order%d o) => a.Track("user-%d", o);\n' "$i" "$i" "$i"; fi
    done
    printf '}\n'
  } > "$dir/Service.cs"
}

edit() { # $1 = directory, $2 = repetition
  if [[ $EDIT == model ]]; then
    sed -i -E "s/\[NotMapped\] string\? Secret[^)]*\);/[NotMapped] string? Secret, [NotMapped] int Edit$2 = 0);/" "$1/Models0.cs"
  else
    sed -i -E "s/Answer\(\) => [0-9]+;/Answer() => $2;/" "$1/Service.cs"
  fi
}

# Wall time (s), CPU time of the build's processes (s) and Csc task time (ms) of one `dotnet build`; it must succeed warning-free.
build() { # $1 = directory, $2 = extra msbuild arguments
  local out csc times
  out=$(cd "$1" && /usr/bin/time -f "%e %U %S" -o "$work/time.txt" dotnet build --no-restore -c Release -nologo -clp:PerformanceSummary $shared_arg $2 2>&1) \
    || { echo "$out" >&2; exit 1; }
  if grep -q "warning" <<< "$out"; then echo "$out" | grep warning | head -5 >&2; echo "unexpected warnings in $1" >&2; exit 1; fi
  csc=$(awk '/Task Performance Summary/ { t = 1 } t && $3 == "Csc" { print $1; exit }' <<< "$out")
  LAST_OUTPUT=$out
  read -r wall user sys < "$work/time.txt"
  printf '%.2f %.2f %s\n' "$wall" "$(echo "$user + $sys" | bc -l)" "${csc:-0}"
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

write_app "$work/with" ""
write_app "$work/without" 'ExcludeAssets="analyzers"'
for app in with without; do
  (cd "$work/$app" && dotnet restore -v:q -nologo >&2)
  read -r _ _ < <(build "$work/$app" "")
done

echo "# $MODELS models, $REPS incremental builds each (edit: $EDIT, SHARED=$SHARED), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rep  without: wall_s cpu_s csc_ms   with: wall_s cpu_s csc_ms"
: > "$work/with.txt"; : > "$work/without.txt"
for ((rep = 1; rep <= REPS; rep++)); do
  edit "$work/with" "$rep"; edit "$work/without" "$rep"
  if ((rep % 2)); then order="without with"; else order="with without"; fi
  for app in $order; do build "$work/$app" "" >> "$work/$app.txt"; done
  printf '%3d  %s   %s\n' "$rep" "$(tail -1 "$work/without.txt")" "$(tail -1 "$work/with.txt")"
done

for column in 1:wall_s 2:cpu_s 3:csc_ms; do
  n=${column%%:*}; label=${column#*:}
  a=$(cut -d' ' -f"$n" "$work/without.txt" | median); b=$(cut -d' ' -f"$n" "$work/with.txt" | median)
  d=$(paste -d' ' "$work/with.txt" "$work/without.txt" | awk -v n="$n" '{ print $n - $(n + 3) }' | median)
  echo "median $label: without $a, with $b, added (median of per-repetition differences) $d"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ -n ${REPORT_ANALYZER:-} ]]; then
  edit "$work/with" $((REPS + 1))
  build "$work/with" "-p:ReportAnalyzer=true -v:d" > /dev/null
  echo "# csc -p:ReportAnalyzer=true (last build of the app with the package)"
  grep -E "Total (analyzer|generator) execution time|Klaviyo\.Destinations\.(Analyzers|Generators)" <<< "$LAST_OUTPUT" | sed 's/^ *//' | head -40
fi
