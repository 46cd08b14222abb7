/*
 * hilemu: an LD_PRELOAD shim that emulates Linux spidev and i2c-dev character devices.
 *
 * For the /dev paths named in the environment it answers open/open64/openat, close, ioctl and
 * read/write/pread/pwrite the way the kernel's spidev and i2c-dev drivers do (same ioctl numbers,
 * same structures, same limits and errno values), and forwards every bus transaction to a
 * device-model server over a Unix socket. spi-device and i2c-bus then run their real native code
 * against it. Everything else passes through to libc.
 *
 * Environment:
 *   HILBRIDGE_EMU_SOCKET        Unix socket of the model server (required for transfers)
 *   HILBRIDGE_EMU_SPIDEV        comma-separated spidev paths to emulate, e.g. /dev/spidev0.0
 *   HILBRIDGE_EMU_I2C           comma-separated i2c-dev paths to emulate, e.g. /dev/i2c-1
 *   HILBRIDGE_EMU_DENY          comma-separated paths whose open fails with EACCES
 *   HILBRIDGE_EMU_BUFSIZ        spidev.bufsiz (default 4096)
 *   HILBRIDGE_EMU_KMALLOC_ALIGN per-transfer rounding spidev applies to bufsiz accounting (default 64)
 *   HILBRIDGE_EMU_SPI_MODE_BITS mode bits the controller supports (default: bcm2835's, no LSB_FIRST)
 *   HILBRIDGE_EMU_I2C_FUNCS     I2C_FUNCS answer (default I2C_FUNC_I2C | I2C_FUNC_SMBUS_EMUL)
 *   HILBRIDGE_EMU_I2C_BUSY      comma-separated 7-bit addresses "claimed by a kernel driver" (EBUSY)
 *
 * Thread-safe: spi-device and Node's fs run these calls on libuv's thread pool; one mutex guards
 * the descriptor table and another serialises the request/response exchange with the server.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <linux/spi/spidev.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_FDS 4096
#define MAX_DEVS 16
#define I2C_RW_MAX 8192 /* i2c-dev clamps read/write counts to this */

enum kind { K_NONE = 0, K_SPI = 1, K_I2C = 2 };
enum op { OP_SPI = 1, OP_I2C = 2 };

struct spi_state { uint32_t mode; uint8_t bits; uint32_t speed; };
struct dev { char path[128]; enum kind kind; struct spi_state spi; };
struct fdent { enum kind kind; int dev; uint16_t addr; int force; };

static struct dev devs[MAX_DEVS];
static int ndevs;
static struct fdent fds[MAX_FDS];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t sock_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int sock = -1;

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

static unsigned long env_ulong(const char *name, unsigned long dflt) {
  const char *v = getenv(name);
  if (!v || !*v) return dflt;
  return strtoul(v, NULL, 0);
}

static void add_devs(const char *list, enum kind k) {
  if (!list) return;
  char *copy = strdup(list), *save = NULL;
  for (char *p = strtok_r(copy, ",", &save); p && ndevs < MAX_DEVS; p = strtok_r(NULL, ",", &save)) {
    struct dev *d = &devs[ndevs++];
    snprintf(d->path, sizeof d->path, "%s", p);
    d->kind = k;
    d->spi.mode = 0;
    d->spi.bits = 8;
    d->spi.speed = 500000; /* the devicetree default many boards ship with */
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
  add_devs(getenv("HILBRIDGE_EMU_SPIDEV"), K_SPI);
  add_devs(getenv("HILBRIDGE_EMU_I2C"), K_I2C);
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

static int find_dev(const char *path) {
  for (int i = 0; i < ndevs; i++)
    if (strcmp(devs[i].path, path) == 0) return i;
  return -1;
}

static struct fdent *lookup(int fd) {
  return fd >= 0 && fd < MAX_FDS && fds[fd].kind != K_NONE ? &fds[fd] : NULL;
}

/* Returns -2 when the path is not ours, else the emulated descriptor (or -1 with errno set). */
static int emu_open(const char *path, int flags) {
  ensure_init();
  if (!path) return -2;
  if (in_list(getenv("HILBRIDGE_EMU_DENY"), path)) {
    errno = EACCES;
    return -1;
  }
  int d = find_dev(path);
  if (d < 0) return -2;
  /* A real descriptor keeps numbering, close-on-exec and fstat behaviour honest. */
  int fd = real_open("/dev/null", O_RDWR | (flags & O_CLOEXEC));
  if (fd < 0) return -1;
  if (fd >= MAX_FDS) {
    real_close(fd);
    errno = EMFILE;
    return -1;
  }
  pthread_mutex_lock(&table_lock);
  fds[fd].kind = devs[d].kind;
  fds[fd].dev = d;
  fds[fd].addr = 0xffff;
  fds[fd].force = 0;
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
  if (fd >= 0 && fd < MAX_FDS) fds[fd].kind = K_NONE;
  pthread_mutex_unlock(&table_lock);
  return real_close(fd);
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
