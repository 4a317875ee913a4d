/* inflate-rate - the inflater's own decode rate, for the bench's "gzip layer
 * apply rate" comparison: a gzip blob (multi-member streams included) is
 * read with img's 128 KiB input buffer and decoded into a 256 KiB buffer
 * that is thrown away, by zlib or, when built with -DHAVE_ISAL -lisal, by
 * ISA-L's igzip (what img decodes gzip layers with when configure found
 * libisal).  The gzip CRC is checked by both, as in img.
 *   inflate-rate [--lib zlib|isal] FILE   prints "BYTES_OUT SECONDS MB/s"
 *   inflate-rate --size FILE              prints the uncompressed size only
 *   inflate-rate --default                prints the default library
 * The default library is isal when built with it, else zlib. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#define IN_SIZE (128 * 1024)
#define OUT_SIZE (256 * 1024)

static unsigned char in[IN_SIZE], out[OUT_SIZE];

static int
run_zlib (int fd, const char *path, unsigned long long *total)
{
  z_stream z;
  ssize_t n;
  int zr = Z_OK;

  memset (&z, 0, sizeof z);
  if (inflateInit2 (&z, 16 + MAX_WBITS) != Z_OK)
    return 1;
  while ((n = read (fd, in, sizeof in)) > 0)
    {
      z.next_in = in;
      z.avail_in = (uInt)n;
      while (z.avail_in > 0)
        {
          if (zr == Z_STREAM_END)
            inflateReset (&z);
          z.next_out = out;
          z.avail_out = sizeof out;
          zr = inflate (&z, Z_NO_FLUSH);
          if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
            {
              fprintf (stderr, "%s: inflate: %s\n", path, z.msg ? z.msg : "error");
              return 1;
            }
          *total += sizeof out - z.avail_out;
        }
    }
  /* output still held back when the input ended */
  while (zr != Z_STREAM_END)
    {
      z.next_out = out;
      z.avail_out = sizeof out;
      zr = inflate (&z, Z_NO_FLUSH);
      if (sizeof out == z.avail_out)
        break;
      *total += sizeof out - z.avail_out;
    }
  inflateEnd (&z);
  return 0;
}

#ifdef HAVE_ISAL
static int
run_isal (int fd, const char *path, unsigned long long *total)
{
  static struct inflate_state st;
  ssize_t n;
  int r;

  isal_inflate_init (&st);
  st.crc_flag = ISAL_GZIP;
  while ((n = read (fd, in, sizeof in)) > 0)
    {
      st.next_in = in;
      st.avail_in = (uint32_t)n;
      while (st.avail_in > 0)
        {
          if (st.block_state == ISAL_BLOCK_FINISH)
            {
              isal_inflate_reset (&st);
              st.crc_flag = ISAL_GZIP;
            }
          st.next_out = out;
          st.avail_out = sizeof out;
          r = isal_inflate (&st);
          if (r < 0)
            {
              fprintf (stderr, "%s: isal_inflate: error %d\n", path, r);
              return 1;
            }
          *total += sizeof out - st.avail_out;
        }
    }
  while (st.block_state != ISAL_BLOCK_FINISH)
    {
      st.next_out = out;
      st.avail_out = sizeof out;
      if (isal_inflate (&st) < 0 || st.avail_out == sizeof out)
        break;
      *total += sizeof out - st.avail_out;
    }
  return 0;
}
#define DEFAULT_LIB "isal"
#else
#define DEFAULT_LIB "zlib"
#endif

int
main (int argc, char **argv)
{
  unsigned long long total = 0;
  struct timespec t0, t1;
  const char *path = argv[argc - 1], *lib = DEFAULT_LIB;
  int size_only = 0, i, fd, r;

  for (i = 1; i < argc - 1; i++)
    if (strcmp (argv[i], "--size") == 0)
      size_only = 1;
    else if (strcmp (argv[i], "--lib") == 0 && i + 1 < argc - 1)
      lib = argv[++i];
  if (argc == 2 && strcmp (argv[1], "--default") == 0)
    {
      printf ("%s\n", DEFAULT_LIB);
      return 0;
    }
  if (argc < 2 || (strcmp (lib, "zlib") != 0 && strcmp (lib, DEFAULT_LIB) != 0))
    {
      fprintf (stderr, "usage: inflate-rate [--size] [--lib zlib|%s] FILE\n", DEFAULT_LIB);
      return 2;
    }
  fd = open (path, O_RDONLY);
  if (fd < 0)
    {
      perror (path);
      return 1;
    }
  clock_gettime (CLOCK_MONOTONIC, &t0);
#ifdef HAVE_ISAL
  if (strcmp (lib, "isal") == 0)
    r = run_isal (fd, path, &total);
  else
#endif
    r = run_zlib (fd, path, &total);
  clock_gettime (CLOCK_MONOTONIC, &t1);
  close (fd);
  if (r != 0)
    return r;
  if (size_only)
    printf ("%llu\n", total);
  else
    {
      double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
      printf ("%llu %.3f %.1f\n", total, s, (double)total / 1e6 / s);
    }
  return 0;
}
