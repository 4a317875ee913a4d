/* inflate-rate - the inflater's own decode rate, for the bench's "gzip layer
 * apply rate" comparison: zlib (the library img links) inflates a gzip blob
 * (multi-member streams included) with the same 128 KiB input buffer img
 * uses, and throws the output away.
 *   inflate-rate FILE          prints "BYTES_OUT SECONDS MB/s"
 *   inflate-rate --size FILE   prints the uncompressed size only */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define IN_SIZE (128 * 1024)
#define OUT_SIZE (256 * 1024)

int
main (int argc, char **argv)
{
  static unsigned char in[IN_SIZE], out[OUT_SIZE];
  unsigned long long total = 0;
  struct timespec t0, t1;
  const char *path = argv[argc - 1];
  int size_only = argc == 3 && strcmp (argv[1], "--size") == 0;
  z_stream z;
  ssize_t n;
  int fd, zr = Z_OK;

  if (argc < 2)
    {
      fprintf (stderr, "usage: inflate-rate [--size] FILE\n");
      return 2;
    }
  fd = open (path, O_RDONLY);
  if (fd < 0)
    {
      perror (path);
      return 1;
    }
  memset (&z, 0, sizeof z);
  if (inflateInit2 (&z, 16 + MAX_WBITS) != Z_OK)
    return 1;
  clock_gettime (CLOCK_MONOTONIC, &t0);
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
          total += sizeof out - z.avail_out;
        }
    }
  clock_gettime (CLOCK_MONOTONIC, &t1);
  inflateEnd (&z);
  close (fd);
  if (size_only)
    printf ("%llu\n", total);
  else
    {
      double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
      printf ("%llu %.3f %.1f\n", total, s, (double)total / 1e6 / s);
    }
  return 0;
}
