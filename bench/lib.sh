# Shared by bench/run.sh and bench/compare.sh (sourced, from the repository root).
#
# Where builds write, FS=…:
#   ext4   (default as root with mkfs.ext4 and a loop device) a fresh ext4 file
#          system (mkfs defaults: journal on) in a sparse image under target/bench,
#          loop-mounted for this run only
#   disk   (default otherwise) new folders under target/bench/out, on whatever
#          holds the repo
#   tmpfs  /dev/shm: the tools without a disk
# Every run writes into a new empty folder and nothing is deleted before the script
# ends. Why it matters: on an ext4 without a journal (this development VM's root
# disk) every file creation skips the inodes freed in the last 1–5 minutes, one by
# one, so a build right after a mass deletion can take several times longer. The
# ext4 image starts with no such history and is thrown away whole at the end.
#
# Which corpus, GEN=…:
#   shared (default when present) the project's reference generator,
#          ../shared/bench/gen_corpus.py, the corpus the performance targets name
#   own    bench/gen_corpus.py (same format; Indonesian and English, Zipf vocabulary)

med() { printf "%s\n" "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

bench_fs=${FS:-}
if [ -z "$bench_fs" ]; then
  bench_fs=disk
  [ "$(id -u)" = 0 ] && command -v mkfs.ext4 >/dev/null && [ -e /dev/loop-control ] && bench_fs=ext4
fi
bench_mnt=
# Sets $out to an empty folder on the chosen file system; removes it at exit.
bench_output() { # NAME
  case $bench_fs in
    disk) out=$PWD/target/bench/out/$1-$$ ;;
    tmpfs) out=/dev/shm/kabar-bench-$1-$$ ;;
    ext4)
      [ "$(id -u)" = 0 ] || { echo "FS=ext4 needs root (mount)" >&2; exit 2; }
      bench_img=$PWD/target/bench/ext4-$$.img
      mkdir -p target/bench
      truncate -s 64G "$bench_img"
      mkfs.ext4 -q -F "$bench_img"
      bench_mnt=$(mktemp -d)
      mount -o loop "$bench_img" "$bench_mnt"
      out=$bench_mnt/$1 ;;
    *) echo "FS must be disk, ext4 or tmpfs" >&2; exit 2 ;;
  esac
  mkdir -p "$out"
  trap bench_cleanup EXIT
}
bench_cleanup() {
  if [ -n "$bench_mnt" ]; then
    umount "$bench_mnt" && rmdir "$bench_mnt" && rm -f "$bench_img"
  else
    rm -rf "$out"
  fi
}

bench_gen=${GEN:-}
if [ -z "$bench_gen" ]; then
  bench_gen=own
  [ -f ../shared/bench/gen_corpus.py ] && bench_gen=shared
fi
# Prints the folder of an N-article corpus (generated once, cached in target/bench).
bench_corpus() { # N [hugo]
  local flavor=${2:-kabar} dir gen
  case $bench_gen in
    shared) dir=target/bench/shared-$1 gen=../shared/bench/gen_corpus.py ;;
    own) dir=target/bench/own-$1 gen=bench/gen_corpus.py ;;
    *) echo "GEN must be shared or own" >&2; exit 2 ;;
  esac
  [ "$flavor" = hugo ] && dir=$dir-hugo
  if [ ! -d "$dir/content" ]; then
    python3 "$gen" "$1" "$dir" --flavor "$flavor" >/dev/null
    [ "$flavor" = hugo ] && cp -r bench/hugo/. "$dir/"
  fi
  echo "$dir"
}
bench_header() {
  local type dev
  type=$(findmnt -no FSTYPE -T "$out" | head -1) dev=$(findmnt -no SOURCE -T "$out" | head -1)
  if [ "$type" = ext4 ]; then
    if [ -d "/proc/fs/jbd2/$(basename "$dev")-8" ]; then type="ext4 with journal"
    else type="ext4 without journal"; fi
  fi
  echo "# $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); output: FS=$bench_fs, $type; corpus: GEN=$bench_gen"
}
