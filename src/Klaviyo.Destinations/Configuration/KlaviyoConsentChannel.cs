namespace Klaviyo.Destinations;

/// <summary>The Klaviyo consent an app consent maps to (see <see cref="KlaviyoDestinationOptions.ConsentMapping"/>).</summary>
public enum KlaviyoConsentChannel
{
    /// <summary>Email marketing (<c>subscriptions.email.marketing</c>); needs the profile's email.</summary>
    EmailMarketing,
    /// <summary>SMS marketing (<c>subscriptions.sms.marketing</c>); needs the profile's phone number.</summary>
    SmsMarketing,
    /// <summary>Transactional SMS (<c>subscriptions.sms.transactional</c>); needs the profile's phone number.</summary>
    SmsTransactional,
}
