/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Latency of one D-Bus method call, measured in-process with sd-bus so that
 * process start-up does not hide it: N calls, median and p99 in µs.
 *
 *   dbus-latency ADDRESS N DEST PATH IFACE METHOD
 */
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-bus.h>
#include <time.h>

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;

        return (x > y) - (x < y);
}

static double now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
        sd_bus *bus = NULL;
        double *samples;
        long n;
        int r;

        if (argc != 7) {
                fprintf(stderr, "usage: %s ADDRESS N DEST PATH IFACE METHOD\n", argv[0]);
                return 2;
        }
        n = strtol(argv[2], NULL, 10);
        if (n <= 0)
                return 2;
        samples = calloc(n, sizeof(*samples));
        if (!samples)
                return 1;

        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, argv[1]);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, 1);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                fprintf(stderr, "Failed to connect to %s: %d\n", argv[1], r);
                return 1;
        }

        for (long i = 0; i < n; i++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus_message *reply = NULL;
                double t0 = now_us();

                r = sd_bus_call_method(bus, argv[3], argv[4], argv[5], argv[6],
                                       &error, &reply, "");
                samples[i] = now_us() - t0;
                if (r < 0) {
                        fprintf(stderr, "%s failed: %s\n", argv[6], error.message);
                        return 1;
                }
                sd_bus_message_unref(reply);
        }
        qsort(samples, n, sizeof(*samples), cmp_double);
        printf("{\"calls\": %ld, \"median_us\": %.1f, \"p99_us\": %.1f}\n",
               n, samples[n / 2], samples[(n * 99) / 100]);
        sd_bus_unref(bus);
        free(samples);
        return 0;
}
