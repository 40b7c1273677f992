// Progress bar: plain-line mode (no control characters, expected fields, rate
// limiting by time and by steps under a fake clock) and terminal mode (redraws with
// '\r' at most every redraw_interval_s, leftovers of longer lines blanked).
#include "train/progress.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <vector>

namespace minidl::train {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool has_control_chars(const std::string& text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return c != '\n' && static_cast<unsigned char>(c) < 0x20; });
}

struct FakeClock {
  double now = 100.0;
  Clock clock() {
    return [this] { return now; };
  }
};

TEST(Progress, FormatsDurations) {
  EXPECT_EQ(format_duration(0), "0:00");
  EXPECT_EQ(format_duration(7.4), "0:07");
  EXPECT_EQ(format_duration(65), "1:05");
  EXPECT_EQ(format_duration(3723), "1:02:03");
  EXPECT_EQ(format_duration(-3), "0:00");
}

TEST(Progress, AStringStreamIsNotATerminal) {
  std::ostringstream out;
  EXPECT_FALSE(is_terminal(out));
  EXPECT_FALSE(ProgressBar(out).terminal());
}

TEST(Progress, PlainLinesAreRateLimitedByTime) {
  std::ostringstream out;
  FakeClock time;
  ProgressBar bar(out, {.terminal = false, .line_interval_s = 5.0, .clock = time.clock()});
  bar.start_epoch(2, 10, 100);
  for (int step = 1; step <= 100; ++step) {
    time.now = 100.0 + 0.125 * step;  // exact in binary: lines fall due at steps 40 and 80
    bar.step(1.0, 0.5, 32);
  }
  bar.end_epoch("test_acc 91.00%");
  const std::string text = out.str();
  EXPECT_FALSE(has_control_chars(text)) << text;
  const auto lines = lines_of(text);
  ASSERT_EQ(lines.size(), 3u) << text;
  EXPECT_EQ(text.back(), '\n');
  // At step 40: 5 s elapsed, 40 * 32 images -> 256 img/s; ETA = 5 s / 40 steps * 60 steps = 7.5 s.
  EXPECT_EQ(lines[0], "epoch 2/10 step 40/100 loss 1.0000 acc 50.00% 256 img/s ETA 0:08");
  EXPECT_NE(lines[1].find("step 80/100"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("ETA 0:03"), std::string::npos) << lines[1];  // 10 s / 80 * 20 = 2.5 s
  EXPECT_EQ(lines[2], "epoch 2/10 step 100/100 loss 1.0000 acc 50.00% 256 img/s time 0:13  test_acc 91.00%");
}

TEST(Progress, PlainLinesEveryNSteps) {
  std::ostringstream out;
  FakeClock time;
  ProgressBar bar(out,
                  {.terminal = false, .line_interval_s = 1e9, .line_every_steps = 25, .clock = time.clock()});
  for (int epoch = 1; epoch <= 2; ++epoch) {
    bar.start_epoch(epoch, 2, 60);
    for (int step = 1; step <= 60; ++step) {
      time.now += 0.01;
      bar.step(0.5, -1, 8);
    }
    bar.end_epoch();
  }
  const auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 6u) << out.str();  // steps 25 and 50, then the end, per epoch
  EXPECT_NE(lines[0].find("epoch 1/2 step 25/60"), std::string::npos);
  EXPECT_NE(lines[1].find("step 50/60"), std::string::npos);
  EXPECT_NE(lines[2].find("step 60/60"), std::string::npos);
  EXPECT_NE(lines[2].find("time "), std::string::npos);
  EXPECT_NE(lines[3].find("epoch 2/2 step 25/60"), std::string::npos);
  for (const auto& line : lines) EXPECT_EQ(line.find("acc"), std::string::npos) << "no accuracy was given";
}

TEST(Progress, MeansAreWeightedByImages) {
  std::ostringstream out;
  FakeClock time;
  ProgressBar bar(out, {.terminal = false, .clock = time.clock()});
  bar.start_epoch(1, 1, 4);
  time.now += 2;
  bar.step(1.0, 1.0, 10);
  bar.step(4.0, 0.0, 30);
  const ProgressSnapshot& s = bar.snapshot();
  EXPECT_EQ(s.step, 2);
  EXPECT_DOUBLE_EQ(s.mean_loss, (1.0 * 10 + 4.0 * 30) / 40);
  EXPECT_DOUBLE_EQ(s.accuracy, 10.0 / 40);
  bar.end_epoch();
  EXPECT_DOUBLE_EQ(bar.snapshot().images_per_s, 40 / 2.0);
  EXPECT_DOUBLE_EQ(bar.snapshot().eta_s, 2.0);  // 1 s per step, 2 steps left
}

TEST(Progress, TerminalRedrawsOneLineAtMostEveryInterval) {
  std::ostringstream out;
  FakeClock time;
  ProgressBar bar(out, {.terminal = true, .redraw_interval_s = 0.125, .clock = time.clock()});
  EXPECT_TRUE(bar.terminal());
  bar.start_epoch(1, 3, 20);
  for (int step = 1; step <= 20; ++step) {
    time.now = 100.0 + step / 32.0;  // 4 steps per interval: draws at steps 1, 5, 9, 13, 17
    bar.step(2.0, 0.25, 16);
  }
  const std::string during = out.str();
  EXPECT_EQ(std::count(during.begin(), during.end(), '\r'), 5) << during;
  EXPECT_EQ(during.find('\n'), std::string::npos) << "one line, redrawn in place";
  EXPECT_NE(during.find("step 17/20"), std::string::npos);
  EXPECT_NE(during.find("[=================   ]"), std::string::npos) << during;  // 17/20 of 20 columns
  bar.end_epoch();
  const std::string text = out.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\r'), 6);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NE(text.find("step 20/20"), std::string::npos);
}

TEST(Progress, TerminalBlanksTheRestOfALongerLine) {
  std::ostringstream out;
  FakeClock time;
  ProgressBar bar(out, {.terminal = true, .redraw_interval_s = 0.1, .clock = time.clock()});
  bar.start_epoch(1, 1, 3);
  time.now += 1;
  bar.step(123456.0, -1, 1);  // a long loss figure
  time.now += 1;
  bar.step(1.0 - 123456.0, -1, 1);  // mean 0.5: a much shorter figure
  const std::string text = out.str();
  const auto second = text.rfind('\r');
  ASSERT_NE(second, std::string::npos);
  ASSERT_GT(second, 0u);
  const std::string first_line = text.substr(1, second - 1), second_line = text.substr(second + 1);
  EXPECT_NE(second_line.find("loss 0.5000"), std::string::npos) << second_line;
  EXPECT_EQ(second_line.size(), first_line.size()) << "padded with spaces over the old text";
  EXPECT_EQ(second_line.back(), ' ');
}

}  // namespace
}  // namespace minidl::train
