/* berth - the limits berth and img put on what they read, in one place.
 *
 * Every document, archive and name berth and img accept from outside (a
 * bundle's config.json, state files, an image's manifest, a layer's tar)
 * is bounded here, so a hostile input is refused with an error naming the
 * object and the limit, within bounded memory, rather than exhausting
 * memory, disk or time.  docs/RELIABILITY.md ("Hostile inputs and limits")
 * lists them with what each protects and the peak memory measured at the
 * limit; a new limit goes here and in that table. */
#ifndef BERTH_BERTH_LIMITS_H
#define BERTH_BERTH_LIMITS_H

/* ---- JSON documents (oci-spec) ---- */

/* Largest runtime JSON document read from a file: config.json, a process
 * JSON (exec --process), a state file.  runc and crun read config.json
 * whole with no cap; real configs are under 100 KiB (Docker's default
 * seccomp profile is ~25 KiB), so 16 MiB only refuses the absurd. */
#define OCI_JSON_MAX_BYTES (16 * 1024 * 1024)
/* Nesting of arrays and objects (real configs are under 10 deep; yajl_gen
 * refuses more than 128 and a recursive free must stay shallow). */
#define OCI_JSON_MAX_DEPTH 100
/* Entries in one array or object (env, mounts, annotations, seccomp
 * syscalls...).  The kernel's default fs.mount-max is 100,000 too. */
#define OCI_JSON_MAX_ENTRIES 100000
/* Values (strings, numbers, arrays, objects...) in one document: bounds
 * the parse tree to a few tens of MiB whatever the shape. */
#define OCI_JSON_MAX_VALUES 250000

/* ---- img ---- */

/* Largest image JSON (manifest, index, image config) read from a registry
 * or the store: containerd and the distribution registry use 4 MiB. */
#define IMG_JSON_MAX (4 * 1024 * 1024)
/* An image name given to img (a reference is at most a 255-byte
 * repository, a 128-byte tag and a digest, plus the registry's host). */
#define IMG_NAME_MAX 1024
/* Layers in one image (Docker refuses more than 127 on overlayfs). */
#define IMG_LAYERS_MAX 1000
/* Default of `img unpack --max-layer-size`: bytes one layer may expand to
 * (its tar stream, and the sum of its files' sizes, sparse files counted at
 * their full size); a gzip bomb stops here, not at a full disk. */
#define IMG_LAYER_EXPANDED_MAX_DEFAULT (64LL * 1024 * 1024 * 1024)

#endif
