/* The webhook's spool of batches while MariaDB is down (spool.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"

#define SPOOL_SUFFIX ".batch"

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int spool_write(const char *dir, const char *body, size_t len)
{
    static unsigned long seq;
    char tmp[4200], final[4096];
    struct timespec ts;
    int fd, dfd;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return -1;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* zero-padded nanoseconds, then pid and sequence: names sort by arrival */
    snprintf(final, sizeof(final), "%s/%020lld-%010ld-%08lu" SPOOL_SUFFIX, dir,
             (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec, (long)getpid(), seq++);
    if (strlen(dir) > 3900) {
        errno = ENAMETOOLONG;
        return -1;
    }
    snprintf(tmp, sizeof(tmp), "%s.tmp", final);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (write_all(fd, body, len) != 0 || fsync(fd) != 0) {
        close(fd);
        unlink(tmp);
        return -1;
    }
    close(fd);
    if (rename(tmp, final) != 0) {
        unlink(tmp);
        return -1;
    }
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

static int is_batch(const char *name)
{
    size_t n = strlen(name), s = strlen(SPOOL_SUFFIX);

    return name[0] != '.' && n > s && strcmp(name + n - s, SPOOL_SUFFIX) == 0;
}

/* Batches in dir, counting up to limit (0: all). 0 when dir is absent. */
static long count_batches(const char *dir, long limit)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    long n = 0;

    if (d == NULL)
        return 0;
    while ((limit == 0 || n < limit) && (e = readdir(d)) != NULL)
        n += is_batch(e->d_name);
    closedir(d);
    return n;
}

int spool_pending(const char *dir)
{
    return count_batches(dir, 1) > 0;
}

long spool_count(const char *dir)
{
    return count_batches(dir, 0);
}

int spool_lock(const char *dir)
{
    char path[4096];
    int fd;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return -1;
    snprintf(path, sizeof(path), "%s/.lock", dir);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            close(fd);
            return -1;
        }
    }
    return fd;
}

void spool_unlock(int fd)
{
    if (fd >= 0) {
        flock(fd, LOCK_UN);
        close(fd);
    }
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int filter(const struct dirent *e)
{
    return is_batch(e->d_name);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) != NULL) {
        if (fread(buf, 1, (size_t)n, f) == (size_t)n) {
            buf[n] = '\0';
            *len = (size_t)n;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

int spool_replay(const char *dir, spool_fn fn, void *ctx)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, filter, by_name), done = 0, rc = 0;

    if (n < 0)
        return 0;
    for (int i = 0; i < n; i++) {
        char path[4096];
        size_t len = 0;
        char *body;
        snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
        if (rc == 0 && (body = slurp(path, &len)) != NULL) {
            if (fn(ctx, body, len) == 0) {
                unlink(path);
                done++;
            } else {
                rc = -1;
            }
            free(body);
        }
        free(list[i]);
    }
    free(list);
    return rc == 0 ? done : -1;
}
