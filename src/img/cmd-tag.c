/* img tag SRC NEW: another name for an image already in the store.  NEW is
 * stored verbatim as the org.opencontainers.image.ref.name of a new
 * index.json entry (the form umoci and skopeo's oci:DIR:TAG use); a tag
 * that named another image moves. */
#include <config.h>

#include <ctype.h>
#include <string.h>

#include "img.h"
#include "util.h"

static const struct cli_option options[] = {
  { NULL, 0, false, NULL, NULL },
};

static const struct cli_command command = {
  "tag",
  "SOURCE NEW\n\n"
  "   SOURCE is a name, a manifest digest or a unique digest prefix of 12 or\n"
  "   more hex digits; NEW is stored as given (image-spec ref.name grammar:\n"
  "   components of letters and digits joined by '-._:@+', separated by '/').",
  "give an image another name",
  options,
  false,
};

static int
on_option (int key, const char *arg, void *data, berr_t **err)
{
  (void)key, (void)arg, (void)data;
  return berr_make (err, 0, "tag takes no options");
}

/* image-spec annotations.md, org.opencontainers.image.ref.name:
 *   ref ::= component ("/" component)*
 *   component ::= alphanum (separator alphanum)*
 *   separator ::= [-._:@+] | "--" */
static bool
ref_name_valid (const char *s)
{
  bool need_alnum = true;

  for (; *s; s++)
    {
      if (isalnum ((unsigned char)*s) && (unsigned char)*s < 0x80)
        need_alnum = false;
      else if (need_alnum)
        return false;
      else if (*s == '/')
        need_alnum = true;
      else if (strchr ("-._:@+", *s))
        {
          if (s[0] == '-' && s[1] == '-')
            s++;
          need_alnum = true;
        }
      else
        return false;
    }
  return !need_alnum;
}

int
img_cmd_tag (struct img_ctx *ctx, int argc, char **argv, berr_t **err)
{
  cleanup_store struct img_store *s = NULL;
  oci_image_index *idx = NULL;
  oci_image_descriptor *desc = NULL;
  const char *src, *dst;
  size_t pos;
  int first, r;

  r = cli_parse (&command, argc, argv, on_option, NULL, &first, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (cli_check_nargs (&command, argc - first, 2, 2, err) < 0)
    return -1;
  src = argv[first];
  dst = argv[first + 1];
  if (!ref_name_valid (dst))
    return berr_make (err, 0, "invalid image name '%s' (letters and digits joined by '-._:@+' or '/')", dst);
  if (img_ctx_store (ctx, false, &s, err) < 0)
    return -1;
  if (img_store_lock (s, false, err) < 0)
    return -1;
  idx = img_index_load (s, err);
  if (idx && img_index_find (s, idx, src, &pos, err) == 0)
    desc = img_desc_copy (idx->manifests[pos]);
  oci_image_index_free (idx);
  img_store_unlock (s);
  if (desc == NULL)
    return -1;
  r = img_index_tag (s, desc, dst, err);
  oci_image_descriptor_free (desc);
  if (r < 0)
    return berr_wrap (err, "tag '%s' as '%s'", src, dst);
  return 0;
}
