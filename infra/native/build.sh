#!/usr/bin/env bash
# Native images of the mlcp services, built on this machine (issue 17; findings in README.md).
#
#   infra/native/build.sh                        # all four services, needs a GraalVM/Mandrel home
#   infra/native/build.sh training-runner        # one service
#   infra/native/build.sh --probe                # assemble a builder from Maven artifacts, report
#                                                # what it still lacks (no service is built)
#
# With GRAALVM_HOME set to a GraalVM or Mandrel >= 23.1 home (bin/native-image and the JDK static
# libraries in lib/static), each service is built with Quarkus's native build against it
# (`-Pnative -Dquarkus.native.graalvm-home=...`, tests skipped; run the *IT suites with
# `./mvnw verify -Pnative -pl services/<svc>`). The binary is services/<svc>/target/*-runner.
#
# Without it, the script assembles what can be had from package registries: the image builder
# (org.graalvm.nativeimage:svm and its siblings, pinned in graalvm-builder.pom.xml and by SHA-256
# in graalvm-25.0.4.sha256) on the Temurin 25 JDK, in $MLCP_NATIVE_CACHE (default
# ~/.cache/mlcp/native), runs the builder on a probe class and reports each missing piece. It
# exits 3 ("blocked") while a piece is missing; README.md says which ones and why they cannot be
# produced here.
#
# Environment: GRAALVM_HOME, JAVA25_HOME (default /usr/lib/jvm/temurin-25-jdk-amd64),
# MLCP_NATIVE_CACHE, MAVEN_ARGS (read by Maven itself, e.g. -Dmaven.repo.local=...). Every Maven
# run holds the shared build lock (/tmp/mlcp-maven.lock).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/infra/native"
GRAALVM_VERSION=25.0.4
JAVA25_HOME=${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
CACHE=${MLCP_NATIVE_CACHE:-$HOME/.cache/mlcp/native}
LOCK=/tmp/mlcp-maven.lock
ALL_SERVICES=(experiment-vm training-runner artifact-writer serving-deployer)
BLOCKED=3

say() { printf '%s\n' "$*" >&2; }
die() { say "native: $*"; exit 1; }

mvn_locked() { (cd "$ROOT" && flock "$LOCK" ./mvnw -B -ntp "$@"); }

# gcc links every image; zlib and glibc's static parts are linked into it.
install_prerequisites() {
  local missing=()
  command -v gcc >/dev/null || missing+=(gcc)
  [[ -f /usr/include/zlib.h ]] || missing+=(zlib1g-dev)
  [[ -f /usr/include/stdio.h ]] || missing+=(libc6-dev)
  if ((${#missing[@]})); then
    [[ $(id -u) == 0 ]] || die "missing ${missing[*]}: apt-get install ${missing[*]}"
    say "installing ${missing[*]} ..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
}

# ---- build with a real GraalVM / Mandrel home ---------------------------------------------------

build_services() {
  local home=$1
  shift
  local services=("$@") svc modules
  ((${#services[@]})) || services=("${ALL_SERVICES[@]}")
  "$home/bin/native-image" --version >&2
  for svc in "${services[@]}"; do
    [[ -d "$ROOT/services/$svc" ]] || die "no service $svc"
  done
  modules=$(printf 'services/%s,' "${services[@]}")
  mvn_locked package -Pnative -DskipTests -pl "${modules%,}" -am \
    -Dquarkus.native.graalvm-home="$home" -Dquarkus.native.container-build=false
  for svc in "${services[@]}"; do
    ls -l "$ROOT"/services/"$svc"/target/*-runner >&2
  done
}

# ---- assemble a builder from Maven artifacts and probe it ---------------------------------------

fetch_builder_jars() {
  local jars="$CACHE/graalvm-$GRAALVM_VERSION/jars"
  if ! (cd "$jars" 2>/dev/null && sha256sum --quiet -c "$HERE/graalvm-$GRAALVM_VERSION.sha256"); then
    say "resolving the GraalVM $GRAALVM_VERSION image builder with Maven ..."
    mkdir -p "$jars"
    mvn_locked -q -f "$HERE/graalvm-builder.pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$jars" -DexcludeTransitive=true
    (cd "$jars" && sha256sum --quiet -c "$HERE/graalvm-$GRAALVM_VERSION.sha256") \
      || die "checksum mismatch in $jars"
  fi
  echo "$jars"
}

# A GraalVM home is a JDK with lib/svm/... beside it: the builder finds its helper library and the
# static libraries through java.home. Hard links keep the copy cheap.
assemble_home() {
  local jars=$1 home="$CACHE/graalvm-$GRAALVM_VERSION/home"
  [[ -x "$JAVA25_HOME/bin/java" ]] || die "no JDK 25 at $JAVA25_HOME (set JAVA25_HOME)"
  if [[ ! -x "$home/bin/java" ]]; then
    mkdir -p "$(dirname "$home")"
    cp -al "$JAVA25_HOME" "$home" 2>/dev/null || cp -a "$JAVA25_HOME" "$home"
  fi
  mkdir -p "$home/lib/svm/builder/lib"
  cp -f "$jars"/*.jar "$home/lib/svm/builder/"
  gcc -O2 -shared -fPIC -I"$home/include" -I"$home/include/linux" \
    -o "$home/lib/svm/builder/lib/libreporterchelper.so" "$HERE/reporterchelper.c"
  echo "$home"
}

# The Maven builder modules are not linked into the JDK as in a GraalVM distribution, so the JDK's
# internals are exported to them explicitly (the driver does the equivalent in GraalVM).
write_builder_args() {
  local home=$1 args="$1/lib/svm/builder/jvm.args" m p
  local modules=org.graalvm.nativeimage.builder,org.graalvm.nativeimage.base,org.graalvm.nativeimage.pointsto,org.graalvm.nativeimage.objectfile,org.graalvm.nativeimage.configure,org.graalvm.nativeimage.libgraal,org.graalvm.espresso.shared.svm,org.graalvm.truffle.compiler,jdk.graal.compiler
  {
    echo "-XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI -XX:-UseJVMCICompiler -Xss10m"
    echo "--enable-native-access=ALL-UNNAMED,org.graalvm.nativeimage.builder"
    echo "-Djava.system.class.loader=com.oracle.svm.hosted.NativeImageSystemClassLoader"
    echo "-Dgraalvm.ForcePolyglotInvalid=true -Dgraalvm.locatorDisabled=true"
    echo "-Djdk.internal.lambda.disableEagerInitialization=true"
    echo "-Dorg.graalvm.nativeimage.imagecode=buildtime"
    echo "--upgrade-module-path $home/lib/svm/builder/compiler-$GRAALVM_VERSION.jar"
    printf -- '--module-path '
    find "$home/lib/svm/builder" -maxdepth 1 -name '*.jar' ! -name "compiler-$GRAALVM_VERSION.jar" \
      | sort | paste -sd:
    echo "--add-modules=ALL-DEFAULT"
    for m in $("$home/bin/java" --list-modules | sed 's/@.*//' | grep -v '^jdk.graal.compiler'); do
      "$home/bin/java" --describe-module "$m" \
        | awk '$1 == "contains" || $1 == "exports" {print $2} $1 == "qualified" {print $3}' \
        | sort -u | while read -r p; do echo "--add-exports=$m/$p=$modules"; done
    done
  } >"$args"
  echo "$args"
}

probe() {
  local jars home args work log status=0
  jars=$(fetch_builder_jars)
  home=$(assemble_home "$jars")
  args=$(write_builder_args "$home")
  work="$CACHE/probe"
  rm -rf "$work" && mkdir -p "$work/classes"
  printf 'public class Probe { public static void main(String[] a) { System.out.println("native"); } }\n' \
    >"$work/Probe.java"
  "$home/bin/javac" --release 17 -d "$work/classes" "$work/Probe.java"
  log="$work/builder.log"
  say "running the image builder ($home) on a probe class; log: $log"
  # The builder's JVMCI check wants a JVMCI-tagged JDK >= 25.0.4; Temurin's release build is not.
  JVMCI_VERSION_CHECK=warn flock "$LOCK" "$home/bin/java" @"$args" \
    -m org.graalvm.nativeimage.builder/com.oracle.svm.hosted.NativeImageGeneratorRunner \
    -imagecp "$work/classes" -H:Name=probe -H:Class=Probe -H:Path="$work/out" \
    -H:ImageBuildID="$(cat /proc/sys/kernel/random/uuid)" >"$log" 2>&1 || status=$?

  say ""
  say "== what the assembled home lacks =="
  local missing=0 lib
  [[ -x "$home/bin/native-image" ]] || {
    say "- bin/native-image: the driver (org.graalvm.nativeimage:svm-driver) is not published for"
    say "  GraalVM >= 21 (newest on Maven Central: 20.3.0); Quarkus runs <graalvm-home>/bin/native-image"
    missing=1
  }
  for lib in java nio net zip; do
    [[ -f "$home/lib/static/linux-amd64/glibc/lib$lib.a" ]] || {
      say "- lib/static/linux-amd64/glibc/lib$lib.a: JDK static library (OpenJDK 'make static-libs-image')"
      missing=1
    }
  done
  [[ -d "$home/lib/svm/clibraries" ]] || {
    say "- lib/svm/clibraries/linux-amd64/{liblibchelper.a,libjvm.a,libsvm_container.a,include/*.h}:"
    say "  Native Image's own C libraries and headers (built from substratevm sources; in no Maven artifact)"
    missing=1
  }
  say ""
  say "builder said:"
  grep -E '^(Error|Fatal error|Missing libraries|com.oracle.svm.core.util|java\.lang\.)|Header file|JVMCI' "$log" \
    | head -n 8 >&2 || tail -n 20 "$log" >&2
  if ((missing)) || ((status)); then
    say ""
    say "native: blocked (see infra/native/README.md); exit $BLOCKED"
    exit "$BLOCKED"
  fi
}

main() {
  install_prerequisites
  if [[ "${1:-}" == --probe ]]; then
    probe
    return
  fi
  if [[ -n "${GRAALVM_HOME:-}" && -x "${GRAALVM_HOME}/bin/native-image" ]]; then
    build_services "$GRAALVM_HOME" "$@"
    return
  fi
  say "native: no GraalVM/Mandrel home (GRAALVM_HOME with bin/native-image); probing what can be assembled"
  probe
}

main "$@"
