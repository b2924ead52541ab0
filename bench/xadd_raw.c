/* xadd-raw: the reference for the Redis sink - a bare pipelined hiredis
 * XADD loop of N entries of SIZE bytes, batches of B, to one stream.
 *   xadd-raw HOST PORT N SIZE B KEY   -> prints entries/s */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: xadd-raw HOST PORT N SIZE BATCH KEY\n");
		return 2;
	}
	long n = atol(argv[3]), size = atol(argv[4]), batch = atol(argv[5]);
	redisContext *c = redisConnect(argv[1], atoi(argv[2]));
	if (!c || c->err || n <= 0 || size <= 0 || batch <= 0) {
		fprintf(stderr, "xadd-raw: cannot connect or bad arguments\n");
		return 1;
	}
	char *payload = malloc((size_t)size);
	if (!payload)
		return 1;
	memset(payload, 'x', (size_t)size);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long done = 0; done < n;) {
		long k = n - done < batch ? n - done : batch;
		for (long i = 0; i < k; i++) {
			const char *av[] = { "XADD", argv[6], "*", "event_type", "flow",
					     "json", payload };
			size_t al[] = { 4, strlen(argv[6]), 1, 10, 4, 4, (size_t)size };
			redisAppendCommandArgv(c, 7, av, al);
		}
		for (long i = 0; i < k; i++) {
			redisReply *r;
			if (redisGetReply(c, (void **)&r) != REDIS_OK)
				return 1;
			freeReplyObject(r);
		}
		done += k;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%.0f\n", (double)n / s);
	free(payload);
	redisFree(c);
	return 0;
}
