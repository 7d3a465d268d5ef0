package notify

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/cognito-guard/cognito-guard/pkg/settings"
)

// FromSettings builds the notifier the settings ask for, with real AWS
// clients, or returns nil when every channel is off. Both functions' main
// packages call it so they configure notifications the same way.
func FromSettings(cfg aws.Config, s settings.Common, function string) *Notifier {
	if s.NotifyEventBus == "" && s.NotifyTopicARN == "" && !s.SecurityHub {
		return nil
	}
	opt := Options{Bus: s.NotifyEventBus, TopicARN: s.NotifyTopicARN, Account: s.ExpectedAccount, Region: cfg.Region, Function: function}
	if s.NotifyEventBus != "" {
		opt.Events = eventbridge.NewFromConfig(cfg)
	}
	if s.NotifyTopicARN != "" {
		opt.SNS = sns.NewFromConfig(cfg)
	}
	if s.SecurityHub {
		hub := securityhub.NewFromConfig(cfg)
		opt.SecurityHub, opt.Findings = hub, hub
	}
	return New(opt)
}
