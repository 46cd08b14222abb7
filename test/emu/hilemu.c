/*
 * hilemu: an LD_PRELOAD shim that emulates Linux spidev, i2c-dev and GPIO character devices.
 *
 * For the /dev paths named in the environment it answers open/open64/openat, close, ioctl and
 * read/write/pread/pwrite the way the kernel's spidev, i2c-dev and gpiolib-cdev (uAPI v2) drivers
 * do (same ioctl numbers, same structures, same limits and errno values), and forwards every bus
 * transaction and every GPIO line level change to a device-model server over a Unix socket, in
 * the order they happen. spi-device, i2c-bus and the GPIO backend's FFI calls then run their real
 * native code against it. Everything else passes through to libc.
 *
 * Hermetic by default: every /dev/spidev*, /dev/i2c-* and /dev/gpiochip* path that is not
 * emulated fails to open with ENOENT and is left out of directory listings, so the tests behave
 * the same on a Raspberry Pi with SPI, I2C and GPIO enabled as on a laptop.
 *
 * Environment:
 *   HILBRIDGE_EMU_SOCKET        Unix socket of the model server (required for transfers; without
 *                               it GPIO level changes are kept here and not reported)
 *   HILBRIDGE_EMU_SPIDEV        comma-separated spidev paths to emulate, e.g. /dev/spidev0.0
 *   HILBRIDGE_EMU_I2C           comma-separated i2c-dev paths to emulate, e.g. /dev/i2c-1
 *   HILBRIDGE_EMU_GPIOCHIP      comma-separated GPIO chips as PATH:LABEL:LINES, e.g.
 *                               /dev/gpiochip0:pinctrl-bcm2711:58,/dev/gpiochip1:raspberrypi-exp-gpio:8
 *   HILBRIDGE_EMU_GPIO_BUSY     comma-separated lines held by "another process" as PATH:LINE or
 *                               PATH:LINE=CONSUMER (requesting them is EBUSY; line info shows them used)
 *   HILBRIDGE_EMU_DENY          comma-separated paths whose open fails with EACCES
 *   HILBRIDGE_EMU_RESERVED      comma-separated path prefixes that are never passed to the host
 *                               (default /dev/spidev,/dev/i2c-,/dev/gpiochip; empty: none)
 *   HILBRIDGE_EMU_BUFSIZ        spidev.bufsiz (default 4096)
 *   HILBRIDGE_EMU_KMALLOC_ALIGN per-transfer rounding spidev applies to bufsiz accounting (default 64)
 *   HILBRIDGE_EMU_SPI_MODE_BITS mode bits the controller supports (default: bcm2835's, no LSB_FIRST)
 *   HILBRIDGE_EMU_I2C_FUNCS     I2C_FUNCS answer (default I2C_FUNC_I2C | I2C_FUNC_SMBUS_EMUL)
 *   HILBRIDGE_EMU_I2C_BUSY      comma-separated 7-bit addresses "claimed by a kernel driver" (EBUSY)
 *
 * Descriptors. Each emulated descriptor is a real one (a memfd, so every one has its own inode)
 * recorded with its device and inode. Node closes files through libuv, which on Linux calls the
 * close system call directly: this shim's close() never sees that, so before it treats a
 * descriptor as emulated it checks with fstat that the number still refers to its memfd; if not,
 * the entry is stale (forgotten, a GPIO request's lines released) and the call goes to libc. A
 * file that later reuses the number therefore never reaches a model.
 *
 * GPIO (gpiolib-cdev, uAPI v2, as of Linux 6.x): GPIO_GET_CHIPINFO_IOCTL, GPIO_V2_GET_LINEINFO_IOCTL
 * and GPIO_V2_GET_LINE_IOCTL on a chip; GPIO_V2_LINE_GET_VALUES/SET_VALUES/SET_CONFIG_IOCTL on the
 * request descriptor it returns, whose close releases the lines. Validation and errno values follow
 * the kernel (EINVAL for bad offsets, flags, padding or empty masks; EBUSY for a line already
 * requested; EPERM for setting an input). Lines idle as pulled-up inputs (level 1); a released line
 * goes back to that, as bcm2835's pinctrl returns freed GPIOs to input. Not emulated: edge events
 * (accepted, never delivered), line-info watches, the v1 ABI, debounce timing.
 *
 * Listing: scandir (what Node's fs.readdir uses) shows the emulated nodes in their directory and
 * hides reserved ones. Not covered: stat (libuv calls statx directly), readdir (fs.opendir), and
 * opens glibc makes internally (fopen); relative paths through openat are not checked either.
 *
 * Thread-safe: spi-device and Node's fs run these calls on libuv's thread pool; one mutex guards
 * the descriptor table and GPIO state (held while a GPIO change is reported, so the server sees
 * changes in the order they were made) and another serialises exchanges with the server.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/gpio.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <linux/spi/spidev.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_FDS 4096
#define MAX_DEVS 16
#define MAX_REQS 64
#define I2C_RW_MAX 8192 /* i2c-dev clamps read/write counts to this */
#define DEFAULT_RESERVED "/dev/spidev,/dev/i2c-,/dev/gpiochip"

enum kind { K_NONE = 0, K_SPI = 1, K_I2C = 2, K_GPIOCHIP = 3, K_GPIOREQ = 4 };
enum op { OP_SPI = 1, OP_I2C = 2, OP_GPIO = 3 };

#define HOLDER_FREE (-1)
#define HOLDER_OTHER (-2)
#define GPIO_IDLE_LEVEL 1

struct spi_state { uint32_t mode; uint8_t bits; uint32_t speed; };
/* One GPIO line: who holds it, its configuration (gpio_v2 flags) and its physical level. */
struct gline { int holder; char consumer[GPIO_MAX_NAME_SIZE]; uint64_t flags; uint8_t level; };
struct dev {
  char path[128];
  enum kind kind;
  struct spi_state spi;
  char label[GPIO_MAX_NAME_SIZE];
  uint32_t nlines;
  struct gline *lines;
};
/* An emulated descriptor: what it is, and the inode of the memfd standing in for it. */
struct fdent { enum kind kind; int dev; uint16_t addr; int force; dev_t st_dev; ino_t st_ino; int req; };
/* A GPIO line request (the object behind the descriptor GPIO_V2_GET_LINE_IOCTL returns). */
struct greq { int used; int dev; int fd; uint32_t n; uint32_t offsets[GPIO_V2_LINES_MAX]; };

static struct dev devs[MAX_DEVS];
static int ndevs;
static struct fdent fds[MAX_FDS];
static struct greq reqs[MAX_REQS];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t sock_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int sock = -1;

typedef int (*filter64_t)(const struct dirent64 *);
typedef int (*compar64_t)(const struct dirent64 **, const struct dirent64 **);

static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static int (*real_close)(int);
static int (*real_ioctl)(int, unsigned long, ...);
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pread)(int, void *, size_t, off_t);
static ssize_t (*real_pread64)(int, void *, size_t, off64_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off64_t);
static int (*real_scandir64)(const char *, struct dirent64 ***, filter64_t, compar64_t);

static unsigned long env_ulong(const char *name, unsigned long dflt) {
  const char *v = getenv(name);
  if (!v || !*v) return dflt;
  return strtoul(v, NULL, 0);
}

static struct dev *new_dev(const char *path, enum kind k) {
  if (ndevs >= MAX_DEVS) return NULL;
  struct dev *d = &devs[ndevs++];
  memset(d, 0, sizeof *d);
  snprintf(d->path, sizeof d->path, "%s", path);
  d->kind = k;
  d->spi.mode = 0;
  d->spi.bits = 8;
  d->spi.speed = 500000; /* the devicetree default many boards ship with */
  return d;
}

static void add_devs(const char *list, enum kind k) {
  if (!list) return;
  char *copy = strdup(list), *save = NULL;
  for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) new_dev(p, k);
  free(copy);
}

static int find_dev(const char *path) {
  for (int i = 0; i < ndevs; i++)
    if (strcmp(devs[i].path, path) == 0) return i;
  return -1;
}

/* PATH:LABEL:LINES, split from the right (labels and paths carry no ':' here). */
static void add_gpiochips(const char *list) {
  if (!list) return;
  char *copy = strdup(list), *save = NULL;
  for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
    char *c2 = strrchr(p, ':');
    if (!c2) continue;
    *c2 = 0;
    char *c1 = strrchr(p, ':');
    if (!c1) continue;
    *c1 = 0;
    unsigned long n = strtoul(c2 + 1, NULL, 0);
    struct dev *d = new_dev(p, K_GPIOCHIP);
    if (!d) break;
    snprintf(d->label, sizeof d->label, "%s", c1 + 1);
    d->nlines = (uint32_t)n;
    d->lines = calloc(n ? n : 1, sizeof *d->lines);
    for (uint32_t i = 0; i < d->nlines; i++) {
      d->lines[i].holder = HOLDER_FREE;
      d->lines[i].flags = GPIO_V2_LINE_FLAG_INPUT;
      d->lines[i].level = GPIO_IDLE_LEVEL;
    }
  }
  free(copy);
}

/* PATH:LINE[=CONSUMER]: a line another process holds. */
static void add_gpio_busy(const char *list) {
  if (!list) return;
  char *copy = strdup(list), *save = NULL;
  for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(p, '=');
    const char *consumer = "other-process";
    if (eq) {
      *eq = 0;
      consumer = eq + 1;
    }
    char *colon = strrchr(p, ':');
    if (!colon) continue;
    *colon = 0;
    int d = find_dev(p);
    unsigned long off = strtoul(colon + 1, NULL, 0);
    if (d < 0 || devs[d].kind != K_GPIOCHIP || off >= devs[d].nlines) continue;
    struct gline *l = &devs[d].lines[off];
    l->holder = HOLDER_OTHER;
    snprintf(l->consumer, sizeof l->consumer, "%s", consumer);
  }
  free(copy);
}

static void init(void) {
  real_open = dlsym(RTLD_NEXT, "open");
  real_open64 = dlsym(RTLD_NEXT, "open64");
  real_openat = dlsym(RTLD_NEXT, "openat");
  real_openat64 = dlsym(RTLD_NEXT, "openat64");
  real_close = dlsym(RTLD_NEXT, "close");
  real_ioctl = dlsym(RTLD_NEXT, "ioctl");
  real_read = dlsym(RTLD_NEXT, "read");
  real_write = dlsym(RTLD_NEXT, "write");
  real_pread = dlsym(RTLD_NEXT, "pread");
  real_pread64 = dlsym(RTLD_NEXT, "pread64");
  real_pwrite = dlsym(RTLD_NEXT, "pwrite");
  real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
  real_scandir64 = dlsym(RTLD_NEXT, "scandir64");
  add_devs(getenv("HILBRIDGE_EMU_SPIDEV"), K_SPI);
  add_devs(getenv("HILBRIDGE_EMU_I2C"), K_I2C);
  add_gpiochips(getenv("HILBRIDGE_EMU_GPIOCHIP"));
  add_gpio_busy(getenv("HILBRIDGE_EMU_GPIO_BUSY"));
}

static void ensure_init(void) { pthread_once(&init_once, init); }

static int in_list(const char *list, const char *path) {
  if (!list || !path) return 0;
  size_t n = strlen(path);
  for (const char *p = list; *p;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == n && strncmp(p, path, n) == 0) return 1;
    if (!end) break;
    p = end + 1;
  }
  return 0;
}

/* True when `path` starts with one of the reserved prefixes: never handed to the host. */
static int reserved(const char *path) {
  const char *list = getenv("HILBRIDGE_EMU_RESERVED");
  if (!list) list = DEFAULT_RESERVED;
  for (const char *p = list; *p;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len > 0 && strncmp(p, path, len) == 0) return 1;
    if (!end) break;
    p = end + 1;
  }
  return 0;
}

/* ---- the model-server link -------------------------------------------------------------- */

static int write_all(int fd, const void *buf, size_t n) {
  const uint8_t *p = buf;
  while (n) {
    ssize_t w = real_write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int read_all(int fd, void *buf, size_t n) {
  uint8_t *p = buf;
  while (n) {
    ssize_t r = real_read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

static int connect_server(void) {
  const char *path = getenv("HILBRIDGE_EMU_SOCKET");
  if (!path) return -1;
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -1;
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
  if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
    real_close(s);
    return -1;
  }
  return s;
}

/*
 * One request/response exchange: frames are a little-endian u32 length then the payload. The
 * response starts with an i32 status (0 or a negative errno) followed by `resp_len` data bytes.
 * Returns 0, or -1 with errno set.
 */
static int exchange(const uint8_t *req, uint32_t req_len, uint8_t *resp, uint32_t resp_len) {
  pthread_mutex_lock(&sock_lock);
  int ok = 0;
  if (sock < 0) sock = connect_server();
  if (sock < 0) ok = -1;
  uint32_t n = req_len;
  if (ok == 0 && (write_all(sock, &n, 4) < 0 || write_all(sock, req, req_len) < 0)) ok = -1;
  uint32_t got = 0;
  int32_t status = 0;
  if (ok == 0 && (read_all(sock, &got, 4) < 0 || got < 4 || read_all(sock, &status, 4) < 0)) ok = -1;
  if (ok == 0 && status == 0 && got - 4 != resp_len) ok = -1;
  if (ok == 0 && got > 4 && read_all(sock, resp, got - 4) < 0) ok = -1;
  if (ok < 0 && sock >= 0) {
    real_close(sock);
    sock = -1;
  }
  pthread_mutex_unlock(&sock_lock);
  if (ok < 0) {
    errno = EIO; /* the model server is gone: as if the controller failed */
    return -1;
  }
  if (status != 0) {
    errno = -status;
    return -1;
  }
  return 0;
}

struct buf { uint8_t *p; size_t len, cap; };
static void put(struct buf *b, const void *src, size_t n) {
  if (b->len + n > b->cap) {
    b->cap = (b->len + n) * 2 + 64;
    b->p = realloc(b->p, b->cap);
  }
  if (src) memcpy(b->p + b->len, src, n);
  else memset(b->p + b->len, 0, n);
  b->len += n;
}
#define PUT(b, v) do { __typeof__(v) tmp_ = (v); put((b), &tmp_, sizeof tmp_); } while (0)

static void put_path(struct buf *b, const char *path) {
  uint16_t n = (uint16_t)strlen(path);
  PUT(b, n);
  put(b, path, n);
}

/* ---- GPIO line state -------------------------------------------------------------------- */

/* Reports a line's new physical level to the model server (0, or -1 with errno set). */
static int gpio_event(const struct dev *d, uint32_t line, uint8_t level) {
  if (!getenv("HILBRIDGE_EMU_SOCKET")) return 0;
  struct buf b = {0};
  PUT(&b, (uint8_t)OP_GPIO);
  put_path(&b, d->path);
  PUT(&b, line);
  PUT(&b, level);
  int r = exchange(b.p, (uint32_t)b.len, NULL, 0);
  free(b.p);
  return r;
}

/* Sets a line's physical level, reporting it if it changed. */
static int drive(struct dev *d, uint32_t off, uint8_t level) {
  struct gline *l = &d->lines[off];
  if (l->level == level) return 0;
  l->level = level;
  return gpio_event(d, off, level);
}

/* The request's lines go back to idle inputs, free for the next request. A line configured with a
 * pull resistor keeps it (as bcm2835's pinctrl does on free: only the function goes back to input),
 * so it settles at the pulled level; otherwise it idles at GPIO_IDLE_LEVEL. */
static void gpio_release(int slot) {
  struct greq *q = &reqs[slot];
  if (!q->used) return;
  struct dev *d = &devs[q->dev];
  q->used = 0;
  for (uint32_t i = 0; i < q->n; i++) {
    struct gline *l = &d->lines[q->offsets[i]];
    if (l->holder != slot) continue;
    l->holder = HOLDER_FREE;
    l->consumer[0] = 0;
    uint8_t idle = (l->flags & GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN) ? 0 : (l->flags & GPIO_V2_LINE_FLAG_BIAS_PULL_UP) ? 1 : GPIO_IDLE_LEVEL;
    l->flags = GPIO_V2_LINE_FLAG_INPUT | (l->flags & (GPIO_V2_LINE_FLAG_BIAS_PULL_UP | GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN));
    int saved = errno;
    drive(d, q->offsets[i], idle); /* a dead server cannot refuse a release */
    errno = saved;
  }
}

/* ---- the descriptor table (call with table_lock held) ----------------------------------- */

static void forget(int fd) {
  struct fdent e = fds[fd];
  fds[fd].kind = K_NONE;
  if (e.kind == K_GPIOREQ) gpio_release(e.req);
}

/*
 * The entry for fd if it is still the descriptor this shim handed out. A descriptor closed with
 * the raw close system call (libuv does that) leaves an entry behind; its number may since have
 * been given to an ordinary file, which fstat tells apart from our memfd.
 */
static struct fdent *lookup(int fd) {
  if (fd < 0 || fd >= MAX_FDS || fds[fd].kind == K_NONE) return NULL;
  int saved = errno;
  struct stat st;
  int same = fstat(fd, &st) == 0 && st.st_dev == fds[fd].st_dev && st.st_ino == fds[fd].st_ino;
  errno = saved;
  if (same) return &fds[fd];
  forget(fd);
  return NULL;
}

/* A fresh memfd for an emulated descriptor; returns it, or -1 with errno set. */
static int placeholder(const char *what, int cloexec, enum kind k, int dev, int req) {
  int fd = memfd_create(what, cloexec ? MFD_CLOEXEC : 0);
  if (fd < 0) return -1;
  struct stat st;
  if (fd >= MAX_FDS || fstat(fd, &st) < 0) {
    real_close(fd);
    errno = EMFILE;
    return -1;
  }
  if (fds[fd].kind != K_NONE) forget(fd); /* left by a close this shim never saw */
  fds[fd] = (struct fdent){k, dev, 0xffff, 0, st.st_dev, st.st_ino, req};
  return fd;
}

/* Finds requests whose descriptor was closed behind our back and releases their lines. */
static void sweep_requests(void) {
  for (int i = 0; i < MAX_REQS; i++) {
    if (!reqs[i].used) continue;
    int fd = reqs[i].fd;
    struct fdent *e = lookup(fd);
    if (!e || e->kind != K_GPIOREQ || e->req != i) gpio_release(i);
  }
}

/* ---- open, close, directory listings ---------------------------------------------------- */

/* Returns -2 when the path is not ours, else the emulated descriptor (or -1 with errno set). */
static int emu_open(const char *path, int flags) {
  ensure_init();
  if (!path) return -2;
  if (in_list(getenv("HILBRIDGE_EMU_DENY"), path)) {
    errno = EACCES;
    return -1;
  }
  int d = find_dev(path);
  if (d < 0) {
    if (!reserved(path)) return -2;
    errno = ENOENT; /* a host device the test did not ask for: never touch it */
    return -1;
  }
  pthread_mutex_lock(&table_lock);
  int fd = placeholder(devs[d].path, flags & O_CLOEXEC, devs[d].kind, d, -1);
  pthread_mutex_unlock(&table_lock);
  return fd;
}

#define OPEN_BODY(realfn, ...)                                   \
  mode_t mode = 0;                                               \
  if (flags & (O_CREAT | O_TMPFILE)) {                           \
    va_list ap;                                                  \
    va_start(ap, flags);                                         \
    mode = va_arg(ap, mode_t);                                   \
    va_end(ap);                                                  \
  }                                                              \
  int r = emu_open(path, flags);                                 \
  if (r != -2) return r;                                         \
  return realfn(__VA_ARGS__, flags, mode);

int open(const char *path, int flags, ...) { OPEN_BODY(real_open, path) }
int open64(const char *path, int flags, ...) { OPEN_BODY(real_open64, path) }
int openat(int dirfd, const char *path, int flags, ...) { OPEN_BODY(real_openat, dirfd, path) }
int openat64(int dirfd, const char *path, int flags, ...) { OPEN_BODY(real_openat64, dirfd, path) }

int close(int fd) {
  ensure_init();
  pthread_mutex_lock(&table_lock);
  if (fd >= 0 && fd < MAX_FDS && fds[fd].kind != K_NONE) forget(fd);
  pthread_mutex_unlock(&table_lock);
  return real_close(fd);
}

/* A directory listing as the emulated machine has it: reserved host nodes out, emulated ones in. */
static int adjust_listing(const char *dir, struct dirent64 ***list, int n, filter64_t filter, compar64_t compar) {
  size_t dl = strlen(dir);
  while (dl > 1 && dir[dl - 1] == '/') dl--;
  if (dl == 1 && dir[0] == '/') dl = 0;
  char full[PATH_MAX];
  struct dirent64 **v = *list;
  int out = 0;
  for (int i = 0; i < n; i++) {
    snprintf(full, sizeof full, "%.*s/%s", (int)dl, dir, v[i]->d_name);
    if (reserved(full) && find_dev(full) < 0) {
      free(v[i]);
      continue;
    }
    v[out++] = v[i];
  }
  for (int d = 0; d < ndevs; d++) {
    const char *p = devs[d].path;
    if (strncmp(p, dir, dl) != 0 || p[dl] != '/' || strchr(p + dl + 1, '/') || !p[dl + 1]) continue;
    const char *name = p + dl + 1;
    int present = 0;
    for (int i = 0; i < out && !present; i++) present = strcmp(v[i]->d_name, name) == 0;
    if (present) continue;
    size_t size = offsetof(struct dirent64, d_name) + strlen(name) + 1;
    struct dirent64 *e = calloc(1, size);
    e->d_ino = 0x7e000000u + (unsigned)d;
    e->d_reclen = (unsigned short)size;
    e->d_type = DT_CHR;
    memcpy(e->d_name, name, strlen(name) + 1);
    if (filter && !filter(e)) {
      free(e);
      continue;
    }
    v = realloc(v, (size_t)(out + 1) * sizeof *v);
    v[out++] = e;
  }
  if (compar && out > 1) qsort(v, (size_t)out, sizeof *v, (int (*)(const void *, const void *))compar);
  *list = v;
  return out;
}

int scandir64(const char *dir, struct dirent64 ***list, filter64_t filter, compar64_t compar) {
  ensure_init();
  int n = real_scandir64(dir, list, filter, compar);
  if (n < 0) return n;
  return adjust_listing(dir, list, n, filter, compar);
}

#if defined(__LP64__)
/* On 64-bit glibc struct dirent is struct dirent64 and scandir is scandir64. */
int scandir(const char *dir, struct dirent ***list, int (*filter)(const struct dirent *), int (*compar)(const struct dirent **, const struct dirent **)) {
  return scandir64(dir, (struct dirent64 ***)list, (filter64_t)filter, (compar64_t)compar);
}
#endif

/* ---- spidev ----------------------------------------------------------------------------- */

static int spi_message(struct dev *d, struct spi_ioc_transfer *x, unsigned n) {
  unsigned long bufsiz = env_ulong("HILBRIDGE_EMU_BUFSIZ", 4096);
  unsigned long align = env_ulong("HILBRIDGE_EMU_KMALLOC_ALIGN", 64);
  unsigned long tx_total = 0, rx_total = 0, total = 0;
  for (unsigned i = 0; i < n; i++) {
    unsigned long aligned = (x[i].len + align - 1) / align * align;
    total += x[i].len;
    if (x[i].rx_buf) rx_total += aligned;
    if (x[i].tx_buf) tx_total += aligned;
    /* spidev: each direction's rounded total must fit its bounce buffer */
    if (rx_total > bufsiz || tx_total > bufsiz) {
      errno = EMSGSIZE;
      return -1;
    }
    uint8_t bits = x[i].bits_per_word ? x[i].bits_per_word : d->spi.bits;
    if (bits != 8) { /* bcm2835 supports 8-bit words only */
      errno = EINVAL;
      return -1;
    }
  }
  struct buf b = {0};
  PUT(&b, (uint8_t)OP_SPI);
  put_path(&b, d->path);
  PUT(&b, d->spi.mode);
  PUT(&b, (uint32_t)n);
  for (unsigned i = 0; i < n; i++) {
    PUT(&b, (uint32_t)x[i].len);
    PUT(&b, (uint32_t)(x[i].speed_hz ? x[i].speed_hz : d->spi.speed));
    PUT(&b, (uint16_t)x[i].delay_usecs);
    PUT(&b, (uint8_t)x[i].cs_change);
    PUT(&b, (uint8_t)(x[i].bits_per_word ? x[i].bits_per_word : d->spi.bits));
    PUT(&b, (uint8_t)(x[i].tx_buf != 0));
    PUT(&b, (uint8_t)(x[i].rx_buf != 0));
  }
  for (unsigned i = 0; i < n; i++) put(&b, x[i].tx_buf ? (const void *)(uintptr_t)x[i].tx_buf : NULL, x[i].len);
  uint8_t *rx = malloc(total ? total : 1);
  int r = exchange(b.p, (uint32_t)b.len, rx, (uint32_t)total);
  free(b.p);
  if (r == 0) {
    size_t off = 0;
    for (unsigned i = 0; i < n; i++) {
      if (x[i].rx_buf) memcpy((void *)(uintptr_t)x[i].rx_buf, rx + off, x[i].len);
      off += x[i].len;
    }
  }
  free(rx);
  return r < 0 ? -1 : (int)total;
}

static int spi_ioctl(struct dev *d, unsigned long req, void *arg) {
  uint32_t supported = (uint32_t)env_ulong("HILBRIDGE_EMU_SPI_MODE_BITS", SPI_CPHA | SPI_CPOL | SPI_CS_HIGH | SPI_NO_CS | SPI_3WIRE);
  struct spi_state *s = &d->spi;
  if (_IOC_TYPE(req) == SPI_IOC_MAGIC && _IOC_NR(req) == 0 && _IOC_DIR(req) == _IOC_WRITE) {
    unsigned size = _IOC_SIZE(req);
    if (size % sizeof(struct spi_ioc_transfer) != 0) {
      errno = EINVAL;
      return -1;
    }
    unsigned n = size / sizeof(struct spi_ioc_transfer);
    if (n == 0) return 0;
    return spi_message(d, (struct spi_ioc_transfer *)arg, n);
  }
  switch (req) {
    case SPI_IOC_RD_MODE: *(uint8_t *)arg = (uint8_t)s->mode; return 0;
    case SPI_IOC_RD_MODE32: *(uint32_t *)arg = s->mode; return 0;
    case SPI_IOC_RD_LSB_FIRST: *(uint8_t *)arg = (s->mode & SPI_LSB_FIRST) ? 1 : 0; return 0;
    case SPI_IOC_RD_BITS_PER_WORD: *(uint8_t *)arg = s->bits; return 0;
    case SPI_IOC_RD_MAX_SPEED_HZ: *(uint32_t *)arg = s->speed; return 0;
    case SPI_IOC_WR_MODE:
    case SPI_IOC_WR_MODE32: {
      uint32_t m = req == SPI_IOC_WR_MODE ? (s->mode & ~0xffu) | *(uint8_t *)arg : *(uint32_t *)arg;
      if (m & ~supported) { errno = EINVAL; return -1; }
      s->mode = m;
      return 0;
    }
    case SPI_IOC_WR_LSB_FIRST: {
      uint32_t m = *(uint8_t *)arg ? s->mode | SPI_LSB_FIRST : s->mode & ~(uint32_t)SPI_LSB_FIRST;
      if (m & ~supported) { errno = EINVAL; return -1; }
      s->mode = m;
      return 0;
    }
    case SPI_IOC_WR_BITS_PER_WORD: {
      uint8_t bits = *(uint8_t *)arg ? *(uint8_t *)arg : 8;
      if (bits != 8) { errno = EINVAL; return -1; }
      s->bits = bits;
      return 0;
    }
    case SPI_IOC_WR_MAX_SPEED_HZ: {
      uint32_t hz = *(uint32_t *)arg;
      if (hz == 0) { errno = EINVAL; return -1; }
      s->speed = hz;
      return 0;
    }
    default:
      errno = ENOTTY;
      return -1;
  }
}

/* ---- i2c-dev ---------------------------------------------------------------------------- */

struct imsg { uint16_t addr, flags, len; uint8_t *buf; };

/* Runs messages as one combined transfer (repeated START between them). Returns 0 or -1/errno. */
static int i2c_xfer(struct dev *d, struct imsg *m, unsigned n) {
  struct buf b = {0};
  uint32_t rlen = 0;
  PUT(&b, (uint8_t)OP_I2C);
  put_path(&b, d->path);
  PUT(&b, (uint32_t)n);
  for (unsigned i = 0; i < n; i++) {
    PUT(&b, m[i].addr);
    PUT(&b, m[i].flags);
    PUT(&b, (uint32_t)m[i].len);
    if (m[i].flags & I2C_M_RD) rlen += m[i].len;
  }
  for (unsigned i = 0; i < n; i++)
    if (!(m[i].flags & I2C_M_RD)) put(&b, m[i].buf, m[i].len);
  uint8_t *rx = malloc(rlen ? rlen : 1);
  int r = exchange(b.p, (uint32_t)b.len, rx, rlen);
  free(b.p);
  if (r == 0) {
    size_t off = 0;
    for (unsigned i = 0; i < n; i++)
      if (m[i].flags & I2C_M_RD) {
        memcpy(m[i].buf, rx + off, m[i].len);
        off += m[i].len;
      }
  }
  free(rx);
  return r;
}

static int i2c_smbus(struct dev *d, uint16_t addr, struct i2c_smbus_ioctl_data *a) {
  union i2c_smbus_data *data = a->data;
  uint8_t wbuf[I2C_SMBUS_BLOCK_MAX + 3];
  uint8_t rbuf[I2C_SMBUS_BLOCK_MAX + 2];
  struct imsg m[2] = {{addr, 0, 0, wbuf}, {addr, I2C_M_RD, 0, rbuf}};
  unsigned n = 2;
  int rd = a->read_write == I2C_SMBUS_READ;
  wbuf[0] = a->command;
  switch (a->size) {
    case I2C_SMBUS_QUICK:
      m[0].flags = rd ? I2C_M_RD : 0;
      n = 1;
      break;
    case I2C_SMBUS_BYTE:
      if (rd) { m[0] = m[1]; m[0].len = 1; } else m[0].len = 1;
      n = 1;
      break;
    case I2C_SMBUS_BYTE_DATA:
      if (rd) { m[0].len = 1; m[1].len = 1; }
      else { m[0].len = 2; wbuf[1] = data->byte; n = 1; }
      break;
    case I2C_SMBUS_WORD_DATA:
      if (rd) { m[0].len = 1; m[1].len = 2; }
      else { m[0].len = 3; wbuf[1] = data->word & 0xff; wbuf[2] = data->word >> 8; n = 1; }
      break;
    case I2C_SMBUS_PROC_CALL:
      m[0].len = 3; wbuf[1] = data->word & 0xff; wbuf[2] = data->word >> 8; m[1].len = 2;
      break;
    case I2C_SMBUS_I2C_BLOCK_BROKEN:
    case I2C_SMBUS_I2C_BLOCK_DATA: {
      unsigned len = data->block[0];
      if (len == 0 || len > I2C_SMBUS_BLOCK_MAX) { errno = EINVAL; return -1; }
      if (rd) { m[0].len = 1; m[1].len = (uint16_t)len; }
      else { m[0].len = (uint16_t)(len + 1); memcpy(wbuf + 1, data->block + 1, len); n = 1; }
      break;
    }
    case I2C_SMBUS_BLOCK_DATA: {
      if (rd) { errno = EOPNOTSUPP; return -1; } /* not in I2C_FUNC_SMBUS_EMUL on i2c-only adapters */
      unsigned len = data->block[0];
      if (len == 0 || len > I2C_SMBUS_BLOCK_MAX) { errno = EINVAL; return -1; }
      m[0].len = (uint16_t)(len + 2); memcpy(wbuf + 1, data->block, len + 1); n = 1;
      break;
    }
    default:
      errno = EOPNOTSUPP;
      return -1;
  }
  if (i2c_xfer(d, m, n) < 0) return -1;
  if (rd) {
    switch (a->size) {
      case I2C_SMBUS_BYTE: data->byte = rbuf[0]; break;
      case I2C_SMBUS_BYTE_DATA: data->byte = rbuf[0]; break;
      case I2C_SMBUS_WORD_DATA: data->word = (uint16_t)(rbuf[0] | rbuf[1] << 8); break;
      case I2C_SMBUS_I2C_BLOCK_BROKEN:
      case I2C_SMBUS_I2C_BLOCK_DATA: memcpy(data->block + 1, rbuf, data->block[0]); break;
      default: break;
    }
  } else if (a->size == I2C_SMBUS_PROC_CALL) {
    data->word = (uint16_t)(rbuf[0] | rbuf[1] << 8);
  }
  return 0;
}

static int i2c_ioctl(struct fdent *f, struct dev *d, unsigned long req, unsigned long arg) {
  switch (req) {
    case I2C_SLAVE:
    case I2C_SLAVE_FORCE: {
      if (arg > 0x7f) { errno = EINVAL; return -1; }
      const char *busy = getenv("HILBRIDGE_EMU_I2C_BUSY");
      if (req == I2C_SLAVE && busy) {
        char want[8];
        snprintf(want, sizeof want, "0x%02lx", arg);
        if (in_list(busy, want)) { errno = EBUSY; return -1; }
      }
      f->addr = (uint16_t)arg;
      f->force = req == I2C_SLAVE_FORCE;
      return 0;
    }
    case I2C_FUNCS:
      *(unsigned long *)arg = env_ulong("HILBRIDGE_EMU_I2C_FUNCS", I2C_FUNC_I2C | I2C_FUNC_SMBUS_EMUL);
      return 0;
    case I2C_TENBIT:
      if (arg) { errno = EINVAL; return -1; }
      return 0;
    case I2C_RETRIES:
    case I2C_TIMEOUT:
    case I2C_PEC:
      return 0;
    case I2C_SMBUS:
      if (f->addr > 0x7f) { errno = EINVAL; return -1; }
      return i2c_smbus(d, f->addr, (struct i2c_smbus_ioctl_data *)arg);
    case I2C_RDWR: {
      struct i2c_rdwr_ioctl_data *rw = (struct i2c_rdwr_ioctl_data *)arg;
      if (rw->nmsgs == 0 || rw->nmsgs > I2C_RDWR_IOCTL_MAX_MSGS) { errno = EINVAL; return -1; }
      struct imsg *m = calloc(rw->nmsgs, sizeof *m);
      for (unsigned i = 0; i < rw->nmsgs; i++) {
        m[i].addr = rw->msgs[i].addr;
        m[i].flags = rw->msgs[i].flags & I2C_M_RD;
        m[i].len = rw->msgs[i].len;
        m[i].buf = rw->msgs[i].buf;
      }
      int r = i2c_xfer(d, m, rw->nmsgs);
      free(m);
      return r < 0 ? -1 : (int)rw->nmsgs;
    }
    default:
      errno = ENOTTY;
      return -1;
  }
}

/* A plain read or write on i2c-dev: one message, START…STOP, to the address set by I2C_SLAVE. */
static ssize_t i2c_rw(struct fdent *f, struct dev *d, void *buf, size_t count, int rd) {
  if (f->addr > 0x7f) { errno = EINVAL; return -1; } /* no I2C_SLAVE yet: the kernel sends to 0 */
  if (count > I2C_RW_MAX) count = I2C_RW_MAX;
  struct imsg m = {f->addr, rd ? I2C_M_RD : 0, (uint16_t)0, buf};
  /* len is 16 bits in struct i2c_msg; i2c-dev's limit of 8192 fits */
  m.len = (uint16_t)count;
  if (i2c_xfer(d, &m, 1) < 0) return -1;
  return (ssize_t)count;
}

/* ---- gpiolib-cdev (uAPI v2) ------------------------------------------------------------- */

#define F_ACTIVE_LOW GPIO_V2_LINE_FLAG_ACTIVE_LOW
#define F_INPUT GPIO_V2_LINE_FLAG_INPUT
#define F_OUTPUT GPIO_V2_LINE_FLAG_OUTPUT
#define F_EDGES (GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING)
#define F_DRIVE (GPIO_V2_LINE_FLAG_OPEN_DRAIN | GPIO_V2_LINE_FLAG_OPEN_SOURCE)
#define F_BIAS (GPIO_V2_LINE_FLAG_BIAS_PULL_UP | GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN | GPIO_V2_LINE_FLAG_BIAS_DISABLED)
#define F_CLOCKS (GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME | GPIO_V2_LINE_FLAG_EVENT_CLOCK_HTE)
#define F_VALID (F_ACTIVE_LOW | F_INPUT | F_OUTPUT | F_EDGES | F_DRIVE | F_BIAS | F_CLOCKS)

static int nonzero(const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++)
    if (b[i]) return 1;
  return 0;
}

/* The kernel's gpio_v2_line_flags_validate, for a kernel without CONFIG_HTE (as Raspberry Pi's). */
static int flags_validate(uint64_t f) {
  if (f & ~(uint64_t)F_VALID) return EINVAL;
  if (f & GPIO_V2_LINE_FLAG_EVENT_CLOCK_HTE) return EOPNOTSUPP;
  if ((f & F_INPUT) && (f & F_OUTPUT)) return EINVAL;
  if ((f & F_EDGES) && !(f & F_INPUT)) return EINVAL;
  if ((f & GPIO_V2_LINE_FLAG_OPEN_DRAIN) && (f & GPIO_V2_LINE_FLAG_OPEN_SOURCE)) return EINVAL;
  if ((f & F_DRIVE) && !(f & F_OUTPUT)) return EINVAL;
  if ((f & F_BIAS) && !(f & (F_INPUT | F_OUTPUT))) return EINVAL;
  uint64_t bias = f & F_BIAS;
  if (bias & (bias - 1)) return EINVAL; /* more than one bias flag */
  return 0;
}

/* The attribute of `id` that covers request line i, or NULL. */
static const struct gpio_v2_line_attribute *config_attr(const struct gpio_v2_line_config *lc, unsigned i, uint32_t id) {
  for (unsigned a = 0; a < lc->num_attrs && a < GPIO_V2_LINE_NUM_ATTRS_MAX; a++)
    if (lc->attrs[a].attr.id == id && (lc->attrs[a].mask & (1ULL << i))) return &lc->attrs[a].attr;
  return NULL;
}

static uint64_t config_flags(const struct gpio_v2_line_config *lc, unsigned i) {
  const struct gpio_v2_line_attribute *a = config_attr(lc, i, GPIO_V2_LINE_ATTR_ID_FLAGS);
  return a ? a->flags : lc->flags;
}

static int config_output(const struct gpio_v2_line_config *lc, unsigned i) {
  const struct gpio_v2_line_attribute *a = config_attr(lc, i, GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES);
  return a ? !!(a->values & (1ULL << i)) : 0;
}

static int config_validate(const struct gpio_v2_line_config *lc, unsigned n) {
  if (lc->num_attrs > GPIO_V2_LINE_NUM_ATTRS_MAX) return EINVAL;
  if (nonzero(lc->padding, sizeof lc->padding)) return EINVAL;
  for (unsigned i = 0; i < n; i++) {
    uint64_t f = config_flags(lc, i);
    int r = flags_validate(f);
    if (r) return r;
    if (config_attr(lc, i, GPIO_V2_LINE_ATTR_ID_DEBOUNCE) && !(f & F_INPUT)) return EINVAL;
  }
  return 0;
}

/* Applies a line's configured flags as the kernel does: explicit direction or "as is". */
static int apply_flags(struct dev *d, uint32_t off, uint64_t f, int value) {
  struct gline *l = &d->lines[off];
  uint64_t dir = (f & F_OUTPUT) ? F_OUTPUT : (f & F_INPUT) ? F_INPUT : (l->flags & (F_INPUT | F_OUTPUT));
  l->flags = (f & (F_ACTIVE_LOW | F_EDGES | F_DRIVE | F_BIAS | GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME)) | dir;
  if (f & F_OUTPUT) return drive(d, off, (uint8_t)(value ^ !!(f & F_ACTIVE_LOW)));
  if ((f & F_INPUT) && (f & GPIO_V2_LINE_FLAG_BIAS_PULL_UP)) return drive(d, off, 1);
  if ((f & F_INPUT) && (f & GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN)) return drive(d, off, 0);
  return 0;
}

static int fail(int e) {
  errno = e;
  return -1;
}

static int gpio_chipinfo(const struct dev *d, struct gpiochip_info *ci) {
  memset(ci, 0, sizeof *ci);
  const char *base = strrchr(d->path, '/');
  snprintf(ci->name, sizeof ci->name, "%s", base ? base + 1 : d->path);
  snprintf(ci->label, sizeof ci->label, "%s", d->label);
  ci->lines = d->nlines;
  return 0;
}

static int gpio_lineinfo(const struct dev *d, struct gpio_v2_line_info *li) {
  if (nonzero(li->padding, sizeof li->padding)) return fail(EINVAL);
  uint32_t off = li->offset;
  if (off >= d->nlines) return fail(EINVAL);
  const struct gline *l = &d->lines[off];
  memset(li, 0, sizeof *li);
  li->offset = off;
  snprintf(li->name, sizeof li->name, "GPIO%u", off);
  if (l->holder != HOLDER_FREE) {
    snprintf(li->consumer, sizeof li->consumer, "%s", l->consumer);
    li->flags |= GPIO_V2_LINE_FLAG_USED;
  }
  li->flags |= l->flags;
  return 0;
}

static int gpio_get_line(int di, struct gpio_v2_line_request *ulr) {
  struct dev *d = &devs[di];
  unsigned n = ulr->num_lines;
  if (n == 0 || n > GPIO_V2_LINES_MAX) return fail(EINVAL);
  if (nonzero(ulr->padding, sizeof ulr->padding)) return fail(EINVAL);
  int r = config_validate(&ulr->config, n);
  if (r) return fail(r);
  for (unsigned i = 0; i < n; i++)
    if (ulr->offsets[i] >= d->nlines) return fail(EINVAL);
  sweep_requests(); /* lines of requests closed behind our back are free again */
  for (unsigned i = 0; i < n; i++) {
    if (d->lines[ulr->offsets[i]].holder != HOLDER_FREE) return fail(EBUSY);
    for (unsigned j = 0; j < i; j++)
      if (ulr->offsets[j] == ulr->offsets[i]) return fail(EBUSY); /* the kernel requests it twice */
  }
  int slot = -1;
  for (int i = 0; i < MAX_REQS && slot < 0; i++)
    if (!reqs[i].used) slot = i;
  if (slot < 0) return fail(EMFILE);
  int fd = placeholder("gpio-line", 1, K_GPIOREQ, di, slot); /* the kernel's is O_RDONLY | O_CLOEXEC */
  if (fd < 0) return -1;
  struct greq *q = &reqs[slot];
  q->used = 1;
  q->dev = di;
  q->fd = fd;
  q->n = n;
  memcpy(q->offsets, ulr->offsets, n * sizeof q->offsets[0]);
  int bad = 0;
  for (unsigned i = 0; i < n; i++) {
    struct gline *l = &d->lines[ulr->offsets[i]];
    l->holder = slot;
    if (ulr->consumer[0]) snprintf(l->consumer, sizeof l->consumer, "%.*s", (int)sizeof ulr->consumer - 1, ulr->consumer);
    else snprintf(l->consumer, sizeof l->consumer, "?");
    if (!bad && apply_flags(d, ulr->offsets[i], config_flags(&ulr->config, i), config_output(&ulr->config, i)) < 0) bad = errno;
  }
  if (bad) { /* the model server is gone: undo, as the kernel frees a request that failed */
    forget(fd);
    real_close(fd);
    return fail(bad);
  }
  ulr->fd = fd;
  return 0;
}

static int gpio_values(struct greq *q, struct gpio_v2_line_values *lv, int set) {
  struct dev *d = &devs[q->dev];
  unsigned count = 0;
  for (unsigned i = 0; i < q->n; i++) {
    if (!(lv->mask & (1ULL << i))) continue;
    if (set && !(d->lines[q->offsets[i]].flags & F_OUTPUT)) return fail(EPERM); /* setting inputs is not allowed */
    count++;
  }
  if (count == 0) return fail(EINVAL);
  uint64_t bits = 0;
  for (unsigned i = 0; i < q->n; i++) {
    if (!(lv->mask & (1ULL << i))) continue;
    struct gline *l = &d->lines[q->offsets[i]];
    uint8_t al = !!(l->flags & F_ACTIVE_LOW);
    if (set) {
      if (drive(d, q->offsets[i], (uint8_t)(!!(lv->bits & (1ULL << i)) ^ al)) < 0) return -1;
    } else if (l->level ^ al) {
      bits |= 1ULL << i;
    }
  }
  if (!set) lv->bits = bits;
  return 0;
}

static int gpio_set_config(struct greq *q, const struct gpio_v2_line_config *lc) {
  int r = config_validate(lc, q->n);
  if (r) return fail(r);
  struct dev *d = &devs[q->dev];
  for (unsigned i = 0; i < q->n; i++)
    if (apply_flags(d, q->offsets[i], config_flags(lc, i), config_output(lc, i)) < 0) return -1;
  return 0;
}

/* Called with table_lock held; unknown requests are EINVAL, as gpiolib-cdev answers them. */
static int gpio_ioctl(struct fdent *f, unsigned long req, void *arg) {
  if (f->kind == K_GPIOCHIP) {
    const struct dev *d = &devs[f->dev];
    switch (req) {
      case GPIO_GET_CHIPINFO_IOCTL: return gpio_chipinfo(d, arg);
      case GPIO_V2_GET_LINEINFO_IOCTL: sweep_requests(); return gpio_lineinfo(d, arg);
      case GPIO_V2_GET_LINE_IOCTL: return gpio_get_line(f->dev, arg);
      default: return fail(EINVAL);
    }
  }
  struct greq *q = &reqs[f->req];
  switch (req) {
    case GPIO_V2_LINE_GET_VALUES_IOCTL: return gpio_values(q, arg, 0);
    case GPIO_V2_LINE_SET_VALUES_IOCTL: return gpio_values(q, arg, 1);
    case GPIO_V2_LINE_SET_CONFIG_IOCTL: return gpio_set_config(q, arg);
    default: return fail(EINVAL);
  }
}

/* ---- entry points ----------------------------------------------------------------------- */

int ioctl(int fd, unsigned long req, ...) {
  ensure_init();
  va_list ap;
  va_start(ap, req);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  pthread_mutex_lock(&table_lock);
  struct fdent *f = lookup(fd);
  struct fdent copy = f ? *f : (struct fdent){0};
  if (f && (copy.kind == K_GPIOCHIP || copy.kind == K_GPIOREQ)) {
    int r = gpio_ioctl(f, req, arg); /* under the lock: state and the order of reported changes */
    pthread_mutex_unlock(&table_lock);
    return r;
  }
  pthread_mutex_unlock(&table_lock);
  if (!f) return real_ioctl(fd, req, arg);
  struct dev *d = &devs[copy.dev];
  if (copy.kind == K_SPI) {
    pthread_mutex_lock(&table_lock); /* device settings are shared by all its descriptors */
    int r;
    if (_IOC_TYPE(req) == SPI_IOC_MAGIC && _IOC_NR(req) == 0 && _IOC_DIR(req) == _IOC_WRITE) {
      pthread_mutex_unlock(&table_lock);
      r = spi_ioctl(d, req, arg);
    } else {
      r = spi_ioctl(d, req, arg);
      pthread_mutex_unlock(&table_lock);
    }
    return r;
  }
  int r = i2c_ioctl(&copy, d, req, (unsigned long)arg);
  pthread_mutex_lock(&table_lock);
  if (fds[fd].kind == K_I2C) { fds[fd].addr = copy.addr; fds[fd].force = copy.force; }
  pthread_mutex_unlock(&table_lock);
  return r;
}

static ssize_t emu_rw(int fd, void *buf, size_t count, int rd, int *handled) {
  ensure_init();
  pthread_mutex_lock(&table_lock);
  struct fdent *f = lookup(fd);
  struct fdent copy = f ? *f : (struct fdent){0};
  pthread_mutex_unlock(&table_lock);
  *handled = f != NULL;
  if (!f) return 0;
  if (copy.kind == K_I2C) return i2c_rw(&copy, &devs[copy.dev], buf, count, rd);
  if (copy.kind == K_GPIOCHIP || copy.kind == K_GPIOREQ) {
    /* no watches or edge events are emulated: nothing to read; these files have no write */
    errno = rd ? EAGAIN : EINVAL;
    return -1;
  }
  /* spidev read/write: half-duplex transfer of up to bufsiz bytes */
  struct spi_ioc_transfer x;
  memset(&x, 0, sizeof x);
  x.len = (uint32_t)count;
  if (rd) x.rx_buf = (uintptr_t)buf; else x.tx_buf = (uintptr_t)buf;
  if (count > env_ulong("HILBRIDGE_EMU_BUFSIZ", 4096)) { errno = EMSGSIZE; return -1; }
  int r = spi_message(&devs[copy.dev], &x, 1);
  return r < 0 ? -1 : (ssize_t)count;
}

#define RW(name, rd, cbuf, ...)                                         \
  ssize_t name {                                                        \
    int handled;                                                        \
    ssize_t r = emu_rw(fd, (void *)(cbuf), count, rd, &handled);        \
    if (handled) return r;                                              \
    return __VA_ARGS__;                                                 \
  }

RW(read(int fd, void *buf, size_t count), 1, buf, real_read(fd, buf, count))
RW(write(int fd, const void *buf, size_t count), 0, buf, real_write(fd, buf, count))
RW(pread(int fd, void *buf, size_t count, off_t off), 1, buf, real_pread(fd, buf, count, off))
RW(pread64(int fd, void *buf, size_t count, off64_t off), 1, buf, real_pread64(fd, buf, count, off))
RW(pwrite(int fd, const void *buf, size_t count, off_t off), 0, buf, real_pwrite(fd, buf, count, off))
RW(pwrite64(int fd, const void *buf, size_t count, off64_t off), 0, buf, real_pwrite64(fd, buf, count, off))
