/* The placement score (score.h). Pure: no I/O. */
#include "score.h"

long long score_fresh_since(const struct mrb_conf *conf, long long now)
{
    return now - 3 * conf->score.interval;
}

int score_fresh(const struct mrb_conf *conf, const struct score_input *in, long long now)
{
    return in->has_metrics && in->metrics_at >= score_fresh_since(conf, now);
}

int score_before(const struct mrb_conf *conf, const struct score_input *a, const struct score_input *b,
                 long long now)
{
    int fa = score_fresh(conf, a, now), fb = score_fresh(conf, b, now);

    if (fa != fb)
        return fa;
    return score_compute(conf, a, now) < score_compute(conf, b, now);
}

double score_compute(const struct mrb_conf *conf, const struct score_input *in, long long now)
{
    const double pending = score_pending_cost(conf, in->pending) +
                           score_egress_cost(conf, in->pending_egress_kbps, in->link_mbps);
    const double weight = in->weight > 0 ? in->weight : 1.0;
    double s;

    if (!score_fresh(conf, in, now))
        return weight * (conf->score.fallback + pending);
    s = (conf->score.cpu * in->cpu * 100.0 + conf->score.mem * in->mem * 100.0 +
         conf->score.sessions * in->sessions + conf->score.handles * in->handles +
         conf->score.sockets * in->sockets) / 100.0;
    if (in->has_tx)
        s += score_egress_cost(conf, in->tx_mbps * 1000.0, in->link_mbps);
    return weight * (s + pending);
}

double score_pending_cost(const struct mrb_conf *conf, double n)
{
    return (conf->score.sessions + conf->score.handles) * n / 100.0;
}

double score_egress_cost(const struct mrb_conf *conf, double egress_kbps, double link_mbps)
{
    if (!(link_mbps > 0))
        return 0;
    return conf->score.network * (100.0 * egress_kbps / 1000.0 / link_mbps) / 100.0;
}

double score_video_egress_kbps(long long people, int screen_share, long long bitrate_kbps)
{
    const long long publishers = people + (screen_share ? 1 : 0);

    if (people < 2 || bitrate_kbps <= 0)
        return 0;
    return (double)publishers * (double)(people - 1) * (double)bitrate_kbps;
}
