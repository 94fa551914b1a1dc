#!/usr/bin/env bash
# Every statement's parameters are counted by the compiler: each db_exec,
# db_exec_once, db_query, db_query_causal and db_collect call passes
# DB_PARAMS(array) or DB_NO_PARAMS, never an array and a count written by
# hand. The one exception is a helper passing on its caller's (p, np),
# which by this rule came from DB_PARAMS() too. (At run time, run() in
# lib/db.c refuses a count that differs from the statement's placeholders.)
# Run by `make unit`.
set -uo pipefail
cd "$(dirname "$0")/../.."

perl -e '
  my $bad = 0, $calls = 0;
  for my $f (@ARGV) {
    next if $f eq "lib/db.c";
    local $/; open my $fh, "<", $f or die "$f: $!"; my $s = <$fh>;
    while ($s =~ /\bdb_(?:exec|exec_once|query|query_causal|collect)\(/g) {
      my $at = pos($s); my $line = 1 + (substr($s, 0, $at) =~ tr/\n//);
      # the 3rd and 4th arguments, at parenthesis depth 0
      my ($depth, $cur, @args) = (0, "");
      for my $c (split //, substr($s, $at)) {
        if ($c =~ /[(\[{]/) { $depth++ } elsif ($c =~ /[)\]}]/) { last if $depth == 0; $depth-- }
        elsif ($c eq "," && $depth == 0) { push @args, $cur; $cur = ""; last if @args == 4; next }
        $cur .= $c;
      }
      next if @args < 3; # a prototype or a mention in a comment
      $calls++;
      my ($p, $n) = map { s/^\s+|\s+$//gr } @args[2, 3];
      next if $p =~ /^DB_(?:NO_)?PARAMS\b/;
      next if $p eq "p" && $n eq "np";
      print STDERR "sql_params: $f:$line passes \"$p, $n\": use DB_PARAMS(array) or DB_NO_PARAMS\n";
      $bad++;
    }
  }
  if ($bad) { print STDERR "sql_params: $bad call(s) with a hand-counted parameter list\n"; exit 1 }
  print "sql_params: $calls statement calls, every parameter list counted by the compiler\n";
' $(git ls-files 'lib/*.c' 'cgi-bin/*.c' 'cron/*.c' 'tools/*.c' 2>/dev/null || ls lib/*.c cgi-bin/*.c cron/*.c tools/*.c)
